import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/engine/clock.ts';
import type { Store } from '../../src/store/db.ts';
import {
  foldClaims,
  openClaims,
  recordClaim,
  releaseClaim,
  selectFreshTasks,
} from '../../src/store/repos/engine-repo.ts';
import { connectNew, definition, seedEngineWorld, T0 } from '../engine/engine-fixtures.ts';
import { dialects, freshStore } from '../support/databases.ts';

/**
 * `releaseClaim`: the journal of a batch the database ended is closed without counting an attempt, and an attempt
 * a fold already counted is given back to the tasks still pending (finished ones keep theirs).
 */
const def = definition({
  start: 'm1',
  nodes: [{ id: 'm1', kind: 'automated_email', templateId: 'tpl-1', next: null }],
});

describe.each(dialects)('releaseClaim (%s)', (dialect) => {
  let store: Store;
  beforeEach(async () => {
    store = await freshStore(dialect);
    await seedEngineWorld(store, new FakeClock(T0));
    for (let i = 0; i < 3; i++) await connectNew(store, def, { email: `rc${i}@example.com` }, T0);
  });
  afterEach(async () => {
    await store.close();
  });

  const attempts = async () =>
    (await store.db.selectFrom('scheduled_tasks').select(['id', 'attempts']).orderBy('id').execute()).map(
      (t) => t.attempts,
    );

  it('closes an unfolded journal uncounted: its tasks stay fresh', async () => {
    const tasks = await selectFreshTasks(store.db, store.dialect, T0, 10);
    expect(tasks).toHaveLength(3);
    const claim = await recordClaim(store.db, 'w', tasks, T0);
    await releaseClaim(store, claim.id, T0);
    expect(await openClaims(store.db)).toEqual([]);
    expect(await foldClaims(store, T0)).toBe(0);
    expect(await attempts()).toEqual([0, 0, 0]);
    expect(await selectFreshTasks(store.db, store.dialect, T0, 10)).toHaveLength(3);
  });

  it('gives back the attempt a fold counted to the tasks still pending', async () => {
    const tasks = await selectFreshTasks(store.db, store.dialect, T0, 10);
    const claim = await recordClaim(store.db, 'w', tasks, T0);
    expect(await foldClaims(store, T0)).toBe(1);
    expect(await attempts()).toEqual([1, 1, 1]);
    const finished = tasks[0]!;
    await store.db
      .updateTable('scheduled_tasks')
      .set({ status: 'done', attempts: 2 })
      .where('id', '=', finished.id)
      .execute();
    await releaseClaim(store, claim.id, T0);
    // Run again (say, its first commit was not acknowledged): nothing more is given back.
    await releaseClaim(store, claim.id, T0);
    const rows = await store.db.selectFrom('scheduled_tasks').select(['id', 'status', 'attempts']).execute();
    expect(rows.find((t) => t.id === finished.id)).toMatchObject({ status: 'done', attempts: 2 });
    expect(rows.filter((t) => t.id !== finished.id).map((t) => t.attempts)).toEqual([0, 0]);
    expect(await store.db.selectFrom('engine_claims').select('id').execute()).toEqual([]);
  });
});
