import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config.ts';
import { MINUTE } from '../../src/engine/clock.ts';
import { type EngineDeps, silentLogger } from '../../src/engine/engine-deps.ts';
import { MAX_TASK_ATTEMPTS, processTasks } from '../../src/engine/process-tasks.ts';
import { sweep } from '../../src/engine/sweeper.ts';
import { startEngineWorker } from '../../src/engine/worker.ts';
import { claimDueTasks, PAUSED_LEASE, PAUSED_UNTIL } from '../../src/store/repos/engine-repo.ts';
import { dialects } from '../support/databases.ts';
import { createWorld, type World } from '../support/world.ts';
import { connectionRow, connectNew, definition, emailsOf, ORG_ID, stepsOf } from './engine-fixtures.ts';

/**
 * Leases and attempts: a worker that dies while holding work (SIGKILL, out of memory) leaves a lease that ends;
 * another worker takes the work over; the attempt was counted at claim, so a task that kills its worker every
 * time is given up on (`dead`) after 5 claims instead of being retried forever, and admins see and requeue it.
 */
const LEASE_MS = 60_000;
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
    config: { worker: { ...testConfig({ databaseUrl: world.store.url }).worker, leaseMs: LEASE_MS } },
    workerId,
  };
}

/** What a worker that is killed mid-batch leaves behind: its claim (lease + attempt), nothing else. */
const claimAndDie = (deps: EngineDeps) =>
  claimDueTasks(deps.store, deps.workerId, deps.clock.now(), LEASE_MS, 100, MAX_TASK_ATTEMPTS);

const tasksOf = (world: World, connectionId: string) =>
  world.store.db
    .selectFrom('scheduled_tasks')
    .selectAll()
    .where('org_id', '=', ORG_ID)
    .where('connection_id', '=', connectionId)
    .orderBy('due_at')
    .execute();

describe.each(dialects)('leases, attempts and dead tasks (%s)', (dialect) => {
  let world: World;
  beforeEach(async () => {
    world = await createWorld(dialect);
  });
  afterEach(async () => {
    await world.close();
  });

  it('gives up on a task whose worker dies 5 times; admins see it, requeue it, and it then runs', async () => {
    const { connectionId } = await connectNew(world.store, def, {}, world.clock.now());
    for (let crash = 1; crash <= MAX_TASK_ATTEMPTS; crash++) {
      const claimed = await claimAndDie(engine(world, `doomed-${crash}`));
      expect(claimed.map((t) => t.attempts)).toEqual([crash]);
      world.clock.advance(LEASE_MS + 1);
    }
    // A healthy worker comes along: the task is not tried a sixth time.
    expect(await startEngineWorker(engine(world, 'healthy'), { loop: false }).drain()).toBe(0);
    const [task] = await tasksOf(world, connectionId);
    expect(task).toMatchObject({ status: 'dead', attempts: 5, lease_owner: null });
    expect(task?.last_error).toContain('claimed 5 times without finishing');
    expect(await emailsOf(world.store, connectionId)).toEqual([]);

    const listed = await world.as('eastAdmin', 'GET', '/api/admin/dead-tasks');
    expect(listed.statusCode).toBe(200);
    const page = listed.json() as { items: Record<string, unknown>[] };
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({
      id: task?.id,
      connectionId,
      eventType: 'connected',
      attempts: 5,
      record: { name: 'Ada Lovelace' },
    });
    expect(String(page.items[0]?.lastError)).toContain('its worker stopped');
    expect((await world.as('eastSeller', 'GET', '/api/admin/dead-tasks')).statusCode).toBe(403);

    const requeued = await world.as('eastAdmin', 'POST', `/api/admin/dead-tasks/${task?.id}/requeue`);
    expect(requeued.statusCode).toBe(204);
    expect(
      (await world.as('eastAdmin', 'POST', `/api/admin/dead-tasks/${task?.id}/requeue`)).statusCode,
    ).toBe(404);
    expect(
      ((await world.as('eastAdmin', 'GET', '/api/admin/dead-tasks')).json() as { items: [] }).items,
    ).toEqual([]);
    await startEngineWorker(engine(world, 'healthy'), { loop: false }).drain();
    expect(await emailsOf(world.store, connectionId)).toHaveLength(1);
    expect((await tasksOf(world, connectionId))[0]).toMatchObject({ status: 'done', attempts: 1 });
    const audit = await world.as('eastAdmin', 'GET', '/api/admin/audit?resourceType=engine_task');
    expect((audit.json() as { items: { action: string }[] }).items.map((a) => a.action)).toEqual([
      'engine_task.requeued',
    ]);
  });

  it('claims a task its worker died on alone, so its batch-mates are not dragged to dead with it', async () => {
    const a = await connectNew(world.store, def, {}, world.clock.now());
    const b = await connectNew(world.store, def, { email: 'b@example.com' }, world.clock.now());
    const first = await claimAndDie(engine(world, 'killed'));
    expect(first.map((t) => t.connection_id).sort()).toEqual([a.connectionId, b.connectionId].sort());
    world.clock.advance(LEASE_MS + 1);
    // Both are suspects now: each is claimed on its own.
    expect(await claimAndDie(engine(world, 'killed-again'))).toHaveLength(1);
    world.clock.advance(LEASE_MS + 1);
    const drained = await startEngineWorker(engine(world, 'healthy'), { loop: false }).drain();
    expect(drained).toBe(2);
    expect(await emailsOf(world.store, a.connectionId)).toHaveLength(1);
    expect(await emailsOf(world.store, b.connectionId)).toHaveLength(1);
  });

  it("worker B takes over worker A's expired lease; A's late finish repeats nothing", async () => {
    const { connectionId } = await connectNew(world.store, def, {}, world.clock.now());
    const workerA = engine(world, 'worker-a');
    const workerB = engine(world, 'worker-b');
    const heldByA = await claimAndDie(workerA);
    expect(heldByA).toHaveLength(1);
    // While A's lease runs, B cannot take the task.
    world.clock.advance(LEASE_MS - 1);
    expect(await startEngineWorker(workerB, { loop: false }).drain()).toBe(0);
    expect((await tasksOf(world, connectionId))[0]).toMatchObject({
      status: 'pending',
      lease_owner: 'worker-a',
    });
    // A's lease ends: B takes over and does the work.
    world.clock.advance(2);
    expect(await startEngineWorker(workerB, { loop: false }).drain()).toBe(1);
    expect((await tasksOf(world, connectionId))[0]).toMatchObject({ status: 'done', attempts: 2 });
    expect(await emailsOf(world.store, connectionId)).toHaveLength(1);
    expect((await connectionRow(world.store, connectionId)).current_node_id).toBe('call');
    // A was only slow, not dead, and now finishes its old batch: nothing happens twice.
    await processTasks(workerA, heldByA);
    expect(await emailsOf(world.store, connectionId)).toHaveLength(1);
    expect((await stepsOf(world.store, connectionId)).map((s) => [s.node_id, s.status])).toEqual([
      ['m1', 'completed'],
      ['call', 'due'],
    ]);
    const timeline = await world.store.db
      .selectFrom('timeline_events')
      .select('kind')
      .where('connection_id', '=', connectionId)
      .execute();
    expect(timeline.filter((t) => t.kind === 'connected')).toHaveLength(1);
  });

  it('the sweeper releases dead workers’ leases, gives up on exhausted tasks, and leaves paused work held', async () => {
    const expired = await connectNew(world.store, def, {}, world.clock.now());
    const exhausted = await connectNew(world.store, def, { email: 'x@example.com' }, world.clock.now());
    const paused = await connectNew(world.store, def, { email: 'p@example.com' }, world.clock.now());
    const now = world.clock.now();
    const setTask = (connectionId: string, values: Record<string, string | number | null>) =>
      world.store.db
        .updateTable('scheduled_tasks')
        .set(values)
        .where('org_id', '=', ORG_ID)
        .where('connection_id', '=', connectionId)
        .execute();
    await setTask(expired.connectionId, { lease_owner: 'gone', lease_until: now + 1000, attempts: 1 });
    await setTask(exhausted.connectionId, { lease_owner: 'gone', lease_until: now + 1000, attempts: 5 });
    await setTask(paused.connectionId, { lease_owner: PAUSED_LEASE, lease_until: PAUSED_UNTIL });
    const deps = engine(world, 'sweeper');

    // Before the leases end, nothing is touched.
    expect(await sweep(deps)).toEqual({ released: 0, expiredLeases: 0, overdue: 0, dead: 0 });
    world.clock.advance(2 * MINUTE);
    const report = await sweep(deps);
    expect(report).toEqual({ released: 1, expiredLeases: 1, overdue: 1, dead: 1 });
    expect((await tasksOf(world, expired.connectionId))[0]).toMatchObject({
      status: 'pending',
      lease_owner: null,
      lease_until: null,
    });
    expect((await tasksOf(world, exhausted.connectionId))[0]).toMatchObject({ status: 'dead', attempts: 5 });
    expect((await tasksOf(world, paused.connectionId))[0]).toMatchObject({
      status: 'pending',
      lease_owner: PAUSED_LEASE,
    });
    // The released task runs at once; the dead one does not.
    expect(await startEngineWorker(deps, { loop: false }).drain()).toBe(1);
    expect(await emailsOf(world.store, expired.connectionId)).toHaveLength(1);
    expect(await emailsOf(world.store, exhausted.connectionId)).toEqual([]);
  });
});
