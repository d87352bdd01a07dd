import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config.ts';
import { type EngineDeps, silentLogger } from '../../src/engine/engine-deps.ts';
import { settleUnfinishedBatches } from '../../src/engine/process-tasks.ts';
import { startEngineWorker } from '../../src/engine/worker.ts';
import { openStore } from '../../src/store/db.ts';
import {
  foldClaims,
  freshTasksSince,
  guardClaim,
  holdClaim,
  newClaimId,
  openClaims,
  recordClaim,
  selectFreshTasks,
  sqliteWriteMark,
  writeTransaction,
} from '../../src/store/repos/engine-repo.ts';
import { dialects } from '../support/databases.ts';
import { createWorld, type World } from '../support/world.ts';
import { connectionRow, connectNew, definition, emailsOf, ORG_ID } from './engine-fixtures.ts';

/**
 * Claiming inside the batch transaction: a fresh batch writes no lease per task, only one journal row, which
 * its commit deletes. A worker that dies before the commit leaves the journal and nothing else (the transaction
 * rolls back); the next claim counts the attempt from it, and the tasks are then tried alone, exactly once.
 */
const def = definition({
  start: 'm1',
  nodes: [
    { id: 'm1', kind: 'automated_email', templateId: 'tpl-1', next: 'call' },
    { id: 'call', kind: 'phone_call', next: null },
  ],
});

function engine(world: World, workerId: string): EngineDeps {
  return {
    store: world.store,
    clock: world.clock,
    logger: silentLogger,
    config: { worker: testConfig({ databaseUrl: world.store.url }).worker },
    workerId,
  };
}

const tasksOf = (world: World) =>
  world.store.db
    .selectFrom('scheduled_tasks')
    .select(['connection_id', 'status', 'attempts', 'lease_owner'])
    .where('org_id', '=', ORG_ID)
    .orderBy('connection_id')
    .execute();

describe.each(dialects)('batch claimed inside its transaction (%s)', (dialect) => {
  let world: World;
  beforeEach(async () => {
    world = await createWorld(dialect);
  });
  afterEach(async () => {
    await world.close();
  });

  it('a healthy batch leaves no lease and no journal behind, with one attempt counted', async () => {
    const a = await connectNew(world.store, def, {}, world.clock.now());
    const b = await connectNew(world.store, def, { email: 'b@example.com' }, world.clock.now());
    expect(await startEngineWorker(engine(world, 'w1'), { loop: false }).drain()).toBe(2);
    expect(await tasksOf(world)).toEqual(
      [a.connectionId, b.connectionId]
        .sort()
        .map((id) => ({ connection_id: id, status: 'done', attempts: 1, lease_owner: null })),
    );
    expect(await openClaims(world.store.db)).toEqual([]);
    expect(await world.store.db.selectFrom('engine_claims').selectAll().execute()).toEqual([]);
  });

  it('a batch whose worker died before its commit is tried again, each task alone, nothing twice', async () => {
    const a = await connectNew(world.store, def, {}, world.clock.now());
    const b = await connectNew(world.store, def, { email: 'b@example.com' }, world.clock.now());
    // What the killed worker left: its committed journal; the batch transaction itself rolled back.
    const fresh = await selectFreshTasks(world.store.db, dialect, world.clock.now(), 100);
    expect(fresh).toHaveLength(2);
    await recordClaim(world.store.db, 'killed', fresh, world.clock.now());
    expect((await openClaims(world.store.db)).map((c) => c.owner)).toEqual(['killed']);

    // No lease to wait for: the next worker counts the attempt at once and tries each task on its own.
    expect(await startEngineWorker(engine(world, 'healthy'), { loop: false }).drain()).toBe(2);
    expect((await tasksOf(world)).map((t) => [t.status, t.attempts])).toEqual([
      ['done', 2],
      ['done', 2],
    ]);
    for (const c of [a, b]) {
      expect(await emailsOf(world.store, c.connectionId)).toHaveLength(1);
      expect((await connectionRow(world.store, c.connectionId)).current_node_id).toBe('call');
    }
    expect(await openClaims(world.store.db)).toEqual([]);
  });
});

describe('a live batch keeps its journal (postgres)', () => {
  it('another worker does not fold the journal of a batch whose transaction is still open', async () => {
    const world = await createWorld('postgres');
    try {
      await connectNew(world.store, def, {}, world.clock.now());
      const now = world.clock.now();
      const rolledBack = new Error('worker died');
      await expect(
        world.store.db.transaction().execute(async (trx) => {
          const tasks = await selectFreshTasks(trx, 'postgres', now, 10);
          const claim = await recordClaim(world.store.db, 'alive', tasks, now);
          expect(await holdClaim(trx, claim)).toBe(true);
          // The batch is in flight: a second worker neither folds its journal nor sees its task.
          expect(await foldClaims(world.store, now)).toBe(0);
          expect(await selectFreshTasks(world.store.db, 'postgres', now, 10)).toEqual([]);
          expect(await startEngineWorker(engine(world, 'other'), { loop: false }).drain()).toBe(0);
          throw rolledBack;
        }),
      ).rejects.toBe(rolledBack);
      // Its transaction is gone without a commit: now the journal is folded and the task retried.
      expect(await startEngineWorker(engine(world, 'other'), { loop: false }).drain()).toBe(1);
      expect((await tasksOf(world)).map((t) => [t.status, t.attempts])).toEqual([['done', 2]]);
    } finally {
      await world.close();
    }
  });

  it('no fold takes the journal of a live batch in the moment between its commit and its hold', async () => {
    // The batch's journal is committed on its own connection and only then held by the batch transaction: in
    // between it looks like a dead batch's to a row lock. The batch's advisory lock, taken before the journal
    // existed, is what every fold (of this process or another) asks first.
    const world = await createWorld('postgres');
    try {
      await connectNew(world.store, def, {}, world.clock.now());
      const now = world.clock.now();
      await world.store.db.transaction().execute(async (trx) => {
        const tasks = await selectFreshTasks(trx, 'postgres', now, 10);
        const id = newClaimId(now);
        await guardClaim(trx, id);
        const journal = await recordClaim(world.store.db, 'alive', tasks, now, id);
        expect(await foldClaims(world.store, now)).toBe(0);
        await settleUnfinishedBatches(engine(world, 'other'), now);
        expect(await openClaims(world.store.db)).toEqual([journal]);
        expect(await holdClaim(trx, journal)).toBe(true);
      });
      expect(await openClaims(world.store.db)).toEqual([]);
      expect((await tasksOf(world)).map((t) => t.attempts)).toEqual([0]);
    } finally {
      await world.close();
    }
  });
});

describe('the batch uses the tasks it selected only when nothing else was written since (sqlite)', () => {
  let world: World;
  beforeEach(async () => {
    world = await createWorld('sqlite', { file: true });
  });
  afterEach(async () => {
    await world.close();
  });

  /** Selects the due tasks with a mark, lets `meanwhile` run, commits the journal, and asks inside the batch. */
  async function claimAround(meanwhile: () => Promise<unknown>) {
    const now = world.clock.now();
    const mark = await sqliteWriteMark(world.store.db);
    const candidates = await selectFreshTasks(world.store.db, 'sqlite', now, 100);
    await meanwhile();
    await recordClaim(world.store.db, 'w1', candidates, now);
    const fresh = await writeTransaction(world.store, (trx) => freshTasksSince(trx, mark, candidates, now));
    return { candidates, fresh };
  }

  it('nothing written but the journal: the selected tasks as they are', async () => {
    await connectNew(world.store, def, {}, world.clock.now());
    await connectNew(world.store, def, { email: 'b@example.com' }, world.clock.now());
    const { candidates, fresh } = await claimAround(async () => undefined);
    expect(candidates).toHaveLength(2);
    expect(fresh).toBe(candidates);
  });

  it('a task another process finished meanwhile is left out', async () => {
    const a = await connectNew(world.store, def, {}, world.clock.now());
    const b = await connectNew(world.store, def, { email: 'b@example.com' }, world.clock.now());
    const other = openStore(world.store.url);
    try {
      const { fresh } = await claimAround(() =>
        other.db
          .updateTable('scheduled_tasks')
          .set({ status: 'done' })
          .where('connection_id', '=', a.connectionId)
          .execute(),
      );
      expect(fresh.map((t) => t.connection_id)).toEqual([b.connectionId]);
    } finally {
      await other.close();
    }
  });

  it('a task this process leased meanwhile, on the same connection, is left out', async () => {
    const a = await connectNew(world.store, def, {}, world.clock.now());
    const b = await connectNew(world.store, def, { email: 'b@example.com' }, world.clock.now());
    const { fresh } = await claimAround(() =>
      world.store.db
        .updateTable('scheduled_tasks')
        .set({ lease_owner: 'api', lease_until: world.clock.now() + 60_000 })
        .where('connection_id', '=', b.connectionId)
        .execute(),
    );
    expect(fresh.map((t) => t.connection_id)).toEqual([a.connectionId]);
  });
});
