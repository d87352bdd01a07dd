import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config.ts';
import { type EngineDeps, silentLogger } from '../../src/engine/engine-deps.ts';
import { startEngineWorker } from '../../src/engine/worker.ts';
import { dialects } from '../support/databases.ts';
import { createWorld, type World } from '../support/world.ts';
import { connectRecord, definition, insertRecord, insertSequence, ORG_ID } from './engine-fixtures.ts';

/**
 * A worker working through a backlog leaves the rest of its process its turn between batches: timers (the
 * shutdown deadline, health beats, the metrics of `serve`), HTTP requests when the engine runs inside `serve`,
 * SIGTERM. On SQLite no batch waits for I/O, so before this the whole backlog ran as one stretch of microtasks
 * and a timer set when the work fell due fired only once nothing was left (V8's own GC tasks waited as well).
 */
const def = definition({
  start: 'm1',
  nodes: [
    { id: 'm1', kind: 'automated_email', templateId: 'tpl-1', next: 'call' },
    { id: 'call', kind: 'phone_call', next: null },
  ],
});

const CONNECTIONS = 12;
const BATCH = 2;

const doneTasks = async (world: World) =>
  Number(
    (
      await world.store.db
        .selectFrom('scheduled_tasks')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('org_id', '=', ORG_ID)
        .where('status', '=', 'done')
        .executeTakeFirstOrThrow()
    ).n,
  );

describe.each(dialects)('engine worker between batches (%s)', (dialect) => {
  let world: World;
  beforeEach(async () => {
    world = await createWorld(dialect);
  });
  afterEach(async () => {
    await world.close();
  });

  it('a timer set when the backlog falls due fires while tasks are still left, in the loop and in drain()', async () => {
    const { sequenceId } = await insertSequence(world.store, def);
    for (let i = 0; i < CONNECTIONS; i++) {
      const recordId = await insertRecord(world.store, { email: `lead-${i}@example.com` });
      await connectRecord(world.store.db, { recordId, sequenceId, now: world.clock.now() });
    }
    const deps: EngineDeps = {
      store: world.store,
      clock: world.clock,
      logger: silentLogger,
      config: { worker: { ...testConfig({ databaseUrl: world.store.url }).worker, batchSize: BATCH } },
      workerId: 'turns',
    };

    // The looping worker (`stepwise worker`, `serve`): LISTEN off so PostgreSQL starts as SQLite does.
    const seen = new Promise<number>((resolve) => setImmediate(() => resolve(doneTasks(world))));
    const worker = startEngineWorker(deps, { listen: false, sweepEveryMs: 3_600_000 });
    const doneWhenTimerFired = await seen;
    expect(doneWhenTimerFired).toBeLessThan(CONNECTIONS);
    for (;;) {
      if ((await doneTasks(world)) === CONNECTIONS) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await worker.stop();

    // `stepwise worker --drain` and tests: the same turns.
    for (let i = 0; i < CONNECTIONS; i++) {
      const recordId = await insertRecord(world.store, { email: `more-${i}@example.com` });
      await connectRecord(world.store.db, { recordId, sequenceId, now: world.clock.now() });
    }
    const drainer = startEngineWorker(deps, { loop: false });
    const seenInDrain = new Promise<number>((resolve) => setImmediate(() => resolve(doneTasks(world))));
    const drained = drainer.drain();
    expect(await seenInDrain).toBeLessThan(2 * CONNECTIONS);
    expect(await drained).toBe(CONNECTIONS);
    expect(await doneTasks(world)).toBe(2 * CONNECTIONS);
  });
});
