import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/db.ts';
import { analyzeTables, explainAccesses } from '../../src/store/queries/explain.ts';
import { suspectDue, suspectDueQuery } from '../../src/store/repos/engine/tasks.ts';
import { insertRows } from '../../src/store/seed/insert-rows.ts';
import { eventTaskRow } from '../../src/store/tasks/event-tasks.ts';
import { T0 } from '../engine/engine-fixtures.ts';
import { dialects, freshStore } from '../support/databases.ts';
import { ORG_ID, seedWorld } from '../support/world.ts';

/**
 * A worker that applies two batches at once asks before each batch whether a suspect (a task tried before and
 * not finished) is waiting. That question must read the small index of retried tasks: planned as a walk of the
 * pending tasks it grew with the backlog and cost the server more than the batches it guarded.
 */
const PENDING = 4000;

describe.each(dialects)('the suspect check (%s)', (dialect) => {
  let store: Store;
  beforeAll(async () => {
    store = await freshStore(dialect);
    await seedWorld(store, T0);
    const rows = Array.from({ length: PENDING }, (_, i) =>
      eventTaskRow(ORG_ID, `c-${i}`, { id: `timer:c-${i}:w`, type: 'timer', nodeId: 'w' }, T0 - i, T0),
    );
    await insertRows(store.db, 'scheduled_tasks', rows);
    await analyzeTables(store.db, dialect, ['scheduled_tasks']);
  }, 120_000);
  afterAll(() => store.close());

  it('reads the retry index, not the pending tasks, and answers whether a suspect waits', async () => {
    const accesses = await explainAccesses(store.db, dialect, suspectDueQuery(store.db, T0));
    expect(accesses).toHaveLength(1);
    expect(accesses[0]!.full).toBe(false);
    expect(accesses[0]!.detail).toMatch(/scheduled_tasks_retry/);
    expect(await suspectDue(store.db, T0)).toBe(false);

    const suspect = eventTaskRow(
      ORG_ID,
      'c-s',
      { id: 'timer:c-s:w', type: 'timer', nodeId: 'w' },
      T0 - 5,
      T0,
    );
    await insertRows(store.db, 'scheduled_tasks', [{ ...suspect, attempts: 1 }]);
    expect(await suspectDue(store.db, T0)).toBe(true);
    expect(await suspectDue(store.db, T0 - 10)).toBe(false);
  });
});
