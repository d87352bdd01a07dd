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
 * would) no longer stalls the whole worker, and nothing is applied twice.
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

describe.each(dialects.filter((d) => d === 'postgres'))('engine worker concurrency (%s)', (dialect) => {
  let world: World;
  beforeEach(async () => {
    world = await createWorld(dialect);
  });
  afterEach(async () => {
    await world.close();
  });

  it('with 2 batches at once, a batch blocked on a locked connection leaves the rest of the backlog moving', async () => {
    const { sequenceId } = await insertSequence(world.store, def);
    const connectionIds: string[] = [];
    for (let i = 0; i < CONNECTIONS; i++) {
      const recordId = await insertRecord(world.store, { email: `lead-${i}@example.com` });
      connectionIds.push(
        await connectRecord(world.store.db, { recordId, sequenceId, now: world.clock.now() }),
      );
      world.clock.advance(1);
    }
    const deps: EngineDeps = {
      store: world.store,
      clock: world.clock,
      logger: silentLogger,
      config: {
        worker: { ...testConfig({ databaseUrl: world.store.url }).worker, batchSize: BATCH, concurrency: 2 },
      },
      workerId: 'concurrent',
    };
    const first = connectionIds[0]!;
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked: () => void = () => undefined;
    const isLocked = new Promise<void>((resolve) => {
      locked = resolve;
    });
    // Another transaction holds the first connection's row: the batch that claims its task (the first batch, by
    // due time) waits for it inside its own transaction.
    const holder = world.store.db.transaction().execute(async (trx) => {
      await trx.selectFrom('connections').select('id').where('id', '=', first).forUpdate().execute();
      locked();
      await released;
    });
    await isLocked;
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
    const attempts = await world.store.db
      .selectFrom('scheduled_tasks')
      .select(['attempts', 'status'])
      .where('org_id', '=', ORG_ID)
      .where('kind', '=', 'event')
      .execute();
    expect(attempts.every((t) => t.status === 'done' && t.attempts === 1)).toBe(true);
    const journals = await world.store.db.selectFrom('engine_claims').select('id').execute();
    expect(journals).toEqual([]);
  }, 60_000);
});
