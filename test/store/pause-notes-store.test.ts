import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pauseNotesOf } from '../../src/store/connections/pause-notes.ts';
import type { Store } from '../../src/store/db.ts';
import { recordTimeline } from '../../src/store/repos/timeline-repo.ts';
import { T0 } from '../engine/engine-fixtures.ts';
import { dialects, freshStore } from '../support/databases.ts';
import { ORG_ID, seedWorld, USERS } from '../support/world.ts';

describe.each(dialects)('pause notes on %s', (dialect) => {
  let store: Store;
  beforeEach(async () => {
    store = await freshStore(dialect);
    await seedWorld(store, T0);
  });
  afterEach(() => store.close());

  const entry = (connectionId: string, kind: string, at: number, data: Record<string, unknown> = {}) =>
    recordTimeline(store.db, {
      orgId: ORG_ID,
      recordId: `rec-${connectionId}`,
      connectionId,
      kind,
      actorId: USERS.eastSeller.id,
      summary: kind,
      data,
      at,
    });

  it('gives the newest pause note, and none once resumed or never paused by a seller', async () => {
    await entry('c-1', 'connection_paused', T0, { note: 'Out of office' });
    await entry('c-1', 'connection_resumed', T0 + 10);
    await entry('c-1', 'connection_paused', T0 + 20, { note: 'Asked us to wait' });
    await entry('c-2', 'connection_paused', T0, { note: 'On holiday' });
    await entry('c-2', 'connection_resumed', T0 + 5);
    await entry('c-3', 'connection_paused', T0, {});
    await entry('c-4', 'step_completed', T0);
    await entry('c-5', 'connection_paused', T0, { note: 'Someone else’s' });

    const seller = expect.stringMatching(/\S/);
    const notes = await pauseNotesOf(store.db, ORG_ID, [
      { id: 'c-1', recordId: 'rec-c-1' },
      { id: 'c-2', recordId: 'rec-c-2' },
      { id: 'c-3', recordId: 'rec-c-3' },
      { id: 'c-4', recordId: 'rec-c-4' },
    ]);
    expect(Object.fromEntries(notes)).toEqual({
      'c-1': {
        note: 'Asked us to wait',
        at: T0 + 20,
        by: { id: USERS.eastSeller.id, name: seller },
      },
      'c-3': { note: null, at: T0, by: { id: USERS.eastSeller.id, name: seller } },
    });
    expect((await pauseNotesOf(store.db, 'other-org', [{ id: 'c-1', recordId: 'rec-c-1' }])).size).toBe(0);
    expect((await pauseNotesOf(store.db, ORG_ID, [])).size).toBe(0);
  });
});
