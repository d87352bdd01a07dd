import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config.ts';
import { type EngineDeps, silentLogger } from '../../src/engine/engine-deps.ts';
import { startEngineWorker } from '../../src/engine/worker.ts';
import { dialects } from '../support/databases.ts';
import { createWorld, type World } from '../support/world.ts';
import { connectRecord, definition, insertRecord, insertSequence, ORG_ID } from './engine-fixtures.ts';

/**
 * WORKER_CONCURRENCY on PostgreSQL: one worker process applies several batches at once, each in its own
 * transaction. A batch held up (here: a connection row another transaction has locked, as a long admin update
 * would) no longer stalls the whole worker, and nothing is applied twice. A suspect (a task tried before and not
 * finished: its worker may have died of it) is still tried with nothing else in flight in the process, so a
 * crash during its retry is charged to it alone, as with one batch per process.
 */
const def = definition({
  start: 'm1',
  nodes: [
    { id: 'm1', kind: 'automated_email', templateId: 'tpl-1', next: 'call' },
    { id: 'call', kind: 'phone_call', next: null },
  ],
});

const CONNECTIONS = 40;
const BATCH = 5;

async function tasksIn(world: World, status: 'done' | 'pending') {
  const row = await world.store.db
    .selectFrom('scheduled_tasks')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('org_id', '=', ORG_ID)
    .where('status', '=', status)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function emails(world: World) {
  const row = await world.store.db
    .selectFrom('outbound_messages')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('org_id', '=', ORG_ID)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function until(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Another transaction holds one connection's row (FOR UPDATE) until `release()`. */
async function lockConnection(world: World, id: string) {
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let locked: () => void = () => undefined;
  const isLocked = new Promise<void>((resolve) => {
    locked = resolve;
  });
  const holder = world.store.db.transaction().execute(async (trx) => {
    await trx.selectFrom('connections').select('id').where('id', '=', id).forUpdate().execute();
    locked();
    await released;
  });
  await isLocked;
  return { release, holder };
}

/** Sessions of this database waiting for a row lock. */
async function waitingOnLocks(world: World): Promise<number> {
  const result = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM pg_stat_activity
     WHERE datname = current_database() AND wait_event_type = 'Lock'`.execute(world.store.db);
  return result.rows[0]?.n ?? 0;
}

async function eventTasks(world: World) {
  return world.store.db
    .selectFrom('scheduled_tasks')
    .select(['connection_id', 'attempts', 'status', 'lease_owner'])
    .where('org_id', '=', ORG_ID)
    .where('kind', '=', 'event')
    .execute();
}

describe.each(dialects.filter((d) => d === 'postgres'))('engine worker concurrency (%s)', (dialect) => {
  let world: World;
  let connectionIds: string[];
  let deps: EngineDeps;
  beforeEach(async () => {
    world = await createWorld(dialect);
    const { sequenceId } = await insertSequence(world.store, def);
    connectionIds = [];
    for (let i = 0; i < CONNECTIONS; i++) {
      const recordId = await insertRecord(world.store, { email: `lead-${i}@example.com` });
      connectionIds.push(
        await connectRecord(world.store.db, { recordId, sequenceId, now: world.clock.now() }),
      );
      world.clock.advance(1);
    }
    deps = {
      store: world.store,
      clock: world.clock,
      logger: silentLogger,
      config: {
        // Each of the 2 loops claims its half of the batch size: BATCH tasks.
        worker: {
          ...testConfig({ databaseUrl: world.store.url }).worker,
          batchSize: 2 * BATCH,
          concurrency: 2,
        },
      },
      workerId: 'concurrent',
    };
  });
  afterEach(async () => {
    await world.close();
  });

  it('with 2 batches at once, a batch blocked on a locked connection leaves the rest of the backlog moving', async () => {
    // The batch that claims the first connection's task (the first batch, by due time) waits for its row inside
    // its own transaction.
    const { release, holder } = await lockConnection(world, connectionIds[0]!);
    const worker = startEngineWorker(deps, { listen: false, sweepEveryMs: 3_600_000 });
    try {
      // Every task outside the blocked batch is applied while it waits (one loop alone would wait with it).
      await until(async () => (await tasksIn(world, 'done')) >= CONNECTIONS - BATCH);
      expect(await tasksIn(world, 'done')).toBeLessThan(CONNECTIONS);
      release();
      await holder;
      await until(async () => (await tasksIn(world, 'pending')) === 0);
    } finally {
      release();
      await worker.stop();
    }
    // Exactly once: one email per connection, every task done on its first attempt, no batch journal left.
    expect(await emails(world)).toBe(CONNECTIONS);
    const tasks = await eventTasks(world);
    expect(tasks.every((t) => t.status === 'done' && t.attempts === 1)).toBe(true);
    const journals = await world.store.db.selectFrom('engine_claims').select('id').execute();
    expect(journals).toEqual([]);
  }, 60_000);

  it('a suspect is tried with no other batch in flight, then both loops run again', async () => {
    // The first connection's task was in a batch that never committed (a crash counted one attempt on it).
    const suspect = connectionIds[0]!;
    await world.store.db
      .updateTable('scheduled_tasks')
      .set({ attempts: 1 })
      .where('org_id', '=', ORG_ID)
      .where('connection_id', '=', suspect)
      .execute();
    const { release, holder } = await lockConnection(world, suspect);
    const worker = startEngineWorker(deps, { listen: false, sweepEveryMs: 3_600_000 });
    try {
      // Its retry is claimed (leased, second attempt) and waits for the locked row.
      await until(async () =>
        (await eventTasks(world)).some((t) => t.connection_id === suspect && t.lease_owner === 'concurrent'),
      );
      // While it is in flight, the worker starts no fresh batch: a crash now could only be charged to it.
      for (let look = 0; look < 20; look++) {
        expect(await tasksIn(world, 'done')).toBe(0);
        expect(await world.store.db.selectFrom('engine_claims').select('id').execute()).toEqual([]);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      release();
      await holder;
      await until(async () => (await tasksIn(world, 'pending')) === 0);
    } finally {
      release();
      await worker.stop();
    }
    expect(await emails(world)).toBe(CONNECTIONS);
    const tasks = await eventTasks(world);
    expect(tasks.filter((t) => t.status !== 'done')).toEqual([]);
    expect(tasks.filter((t) => t.attempts !== 1).map((t) => [t.connection_id, t.attempts])).toEqual([
      [suspect, 2],
    ]);
  }, 60_000);

  it('stop() lets every batch in flight commit and starts no new one', async () => {
    // Both loops' first batches (connections 0–4 and 5–9, by due time) wait on a locked row each.
    const first = await lockConnection(world, connectionIds[0]!);
    const second = await lockConnection(world, connectionIds[BATCH]!);
    const worker = startEngineWorker(deps, { listen: false, sweepEveryMs: 3_600_000 });
    const stopped = (async () => {
      await until(async () => (await waitingOnLocks(world)) === 2);
      const stopping = worker.stop();
      first.release();
      second.release();
      await Promise.all([first.holder, second.holder]);
      await stopping;
    })();
    try {
      await stopped;
    } finally {
      first.release();
      second.release();
      await worker.stop();
    }
    // Both batches committed (not abandoned: no journal left, one attempt each); nothing after them started.
    expect(await tasksIn(world, 'done')).toBe(2 * BATCH);
    expect(await tasksIn(world, 'pending')).toBe(CONNECTIONS - 2 * BATCH);
    expect(await emails(world)).toBe(2 * BATCH);
    expect(await world.store.db.selectFrom('engine_claims').select('id').execute()).toEqual([]);
    expect((await eventTasks(world)).filter((t) => t.attempts > 1)).toEqual([]);
  }, 60_000);

  it('idle loops wake on the LISTEN notification of new work, long before their next poll', async () => {
    deps.config.worker.pollMs = 60_000;
    const worker = startEngineWorker(deps, { sweepEveryMs: 3_600_000 });
    try {
      await until(async () => (await tasksIn(world, 'pending')) === 0);
      // Both loops have found nothing and sleep for a minute.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const { sequenceId } = await insertSequence(world.store, def);
      const recordId = await insertRecord(world.store, { email: 'late@example.com' });
      await connectRecord(world.store.db, { recordId, sequenceId, now: world.clock.now() });
      await until(async () => (await emails(world)) === CONNECTIONS + 1);
    } finally {
      await worker.stop();
    }
    expect(await tasksIn(world, 'pending')).toBe(0);
  }, 60_000);
});
