import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { DAY } from '../../src/engine/clock.ts';
import type { Store } from '../../src/store/db.ts';
import { pendingTasksOfClaims } from '../../src/store/repos/engine-repo.ts';
import { T0 } from '../engine/engine-fixtures.ts';
import { freshStore } from '../support/databases.ts';
import { CONNECTIONS, seedCrashWorkload } from './crash-fixture.ts';
import { killWorker, startCrashWorker, statementsSettled } from './crash-workers.ts';
import { buildServer, faultScale, pause } from './harness.ts';

/**
 * Crash test: 3 real `stepwise worker` processes share one PostgreSQL database and advance 3,000 connections
 * through two phases (the start, then two days later). Workers are SIGKILLed one at a time, each kill at a
 * moment the victim HOLDS work: a fresh batch claimed inside its transaction (its journal row in
 * `engine_claims`) or a task leased alone. Checked after the kill: the batch's tasks are still pending (its
 * journal was never deleted by a commit) or its leased rows are, so the kill interrupted a batch before its
 * commit. Each victim is restarted. At least 50 such kills per run (150 in the long
 * version). Afterwards every connection is exactly where the sequence says, with every email, step and timeline
 * entry written exactly once, and no task given up on.
 */
const KILLS = faultScale(50, 150);
const WORKERS = 3;

const server = buildServer();
const children = new Set<ChildProcess>();
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  server.remove();
});

const startWorker = (url: string, workerId: string, fakeNow: number) =>
  startCrashWorker(server.bin, children, {
    url,
    workerId,
    fakeNow,
    secretKey: 'crash-test-secret-0123456789abcdef0123456789',
  });

async function count(store: Store, where: { dueBy?: number; leasedTo?: string }): Promise<number> {
  let query = store.db
    .selectFrom('scheduled_tasks')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'pending');
  if (where.dueBy !== undefined) query = query.where('due_at', '<=', where.dueBy);
  if (where.leasedTo !== undefined) query = query.where('lease_owner', '=', where.leasedTo);
  return Number((await query.executeTakeFirstOrThrow()).n);
}

interface Slot {
  id: string;
  child: ChildProcess | null;
  starting: Promise<void>;
  /** Journals of this worker id already stored when its current process started (a predecessor's). */
  inherited: Set<string>;
}

interface Kill {
  worker: string;
  /** Due tasks not yet done just before the kill. */
  pending: number;
  /** Tasks still leased to the victim after it died: the batch it was in the middle of. */
  inFlight: number;
}

/** A fleet of workers at one fake time; `restart` moves them all to a new time. */
class Fleet {
  readonly slots: Slot[];
  constructor(
    private readonly store: Store,
    private now: number,
  ) {
    this.slots = Array.from({ length: WORKERS }, (_, i) => this.spawn({ id: `crash-w${i}`, child: null }));
  }

  private spawn(slot: { id: string; child: ChildProcess | null }): Slot {
    const started = slot as Slot;
    started.child = null;
    started.inherited ??= new Set();
    started.starting = this.journalsOf(slot.id, true)
      .then((ids) => {
        started.inherited = new Set(ids);
        return startWorker(this.store.url, slot.id, this.now);
      })
      .then((child) => {
        started.child = child;
      });
    return started;
  }

  async ready(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.starting));
  }

  /**
   * Waits until some running worker holds leased work on its first or second attempt (a fresh batch, or a task
   * retried alone after one kill), stops it (SIGSTOP) after a random 0–20 ms and, once its statements have run,
   * kills it if it still holds such work (otherwise lets it go on), and starts a new one in its place. So no task
   * is killed more than twice (a worker seen holding a batch could have moved on to a third try of a suspect
   * before a kill on a busy machine), and none reaches the 5-claim limit (leases.test.ts covers that).
   */
  async killMidWork(): Promise<Kill | null> {
    const until = Date.now() + 5000;
    for (;;) {
      const running = this.slots.filter((s) => s.child);
      const held = running.length === 0 ? [] : await this.holders(running);
      const slot = running.find((s) => held.includes(s.id));
      const child = slot?.child;
      if (slot && child) {
        await pause(Math.floor(Math.random() * 20));
        child.kill('SIGSTOP');
        await statementsSettled(this.store, child, Date.now() + 2000);
        if ((await this.holders([slot])).length > 0) {
          const earlier = new Set(await this.journalsOf(slot.id));
          const pending = await count(this.store, { dueBy: this.now });
          await killWorker(child);
          // Journals of the victim still there after its death: batches it never committed.
          const unfinished = (await this.journalsOf(slot.id, true)).filter(
            (id) => !earlier.has(id) && !slot.inherited.has(id),
          );
          const inFlight =
            (await count(this.store, { leasedTo: slot.id })) +
            (await pendingTasksOfClaims(this.store.db, unfinished));
          this.spawn(slot);
          return { worker: slot.id, pending, inFlight };
        }
        child.kill('SIGCONT');
      }
      if (Date.now() > until) return null;
      await pause(2);
    }
  }

  /** Journal ids of a worker's batches: folded ones only (`all` false), or every one still stored. */
  private async journalsOf(owner: string, all = false): Promise<string[]> {
    let query = this.store.db.selectFrom('engine_claims').select('id').where('owner', '=', owner);
    if (!all) query = query.where('folded_at', 'is not', null);
    return (await query.execute()).map((r) => r.id);
  }

  /**
   * Workers holding work: an open batch journal of their current process (not one a killed predecessor of the
   * same id left), or a task leased on its first or second attempt.
   */
  private async holders(slots: Slot[]): Promise<string[]> {
    const ids = slots.map((s) => s.id);
    const journals = (
      await this.store.db
        .selectFrom('engine_claims')
        .select(['id', 'owner'])
        .where('folded_at', 'is', null)
        .where('owner', 'in', ids)
        .execute()
    ).filter((j) => !slots.find((s) => s.id === j.owner)?.inherited.has(j.id));
    const rows = await this.store.db
      .selectFrom('scheduled_tasks')
      .select('lease_owner')
      .distinct()
      .where('status', '=', 'pending')
      .where('attempts', '<=', 2)
      .where('lease_owner', 'in', ids)
      .execute();
    return [...journals.map((j) => j.owner), ...rows.map((r) => r.lease_owner ?? '')];
  }

  async stopAll(): Promise<void> {
    await this.ready();
    await Promise.all(this.slots.map((s) => (s.child ? killWorker(s.child) : undefined)));
  }

  async moveTo(now: number): Promise<void> {
    await this.stopAll();
    this.now = now;
    for (const slot of this.slots) this.spawn(slot);
    await this.ready();
  }

  async finish(deadlineMs: number): Promise<void> {
    await this.ready();
    const deadline = Date.now() + deadlineMs;
    while ((await count(this.store, { dueBy: this.now })) > 0 && Date.now() < deadline) await pause(50);
  }
}

async function verify(store: Store, gold: Set<string>): Promise<void> {
  const connections = await store.db
    .selectFrom('connections')
    .select(['id', 'status', 'current_node_id'])
    .execute();
  expect(connections).toHaveLength(CONNECTIONS);
  const wrong = connections.filter((c) =>
    gold.has(c.id)
      ? c.status !== 'completed' || c.current_node_id !== null
      : c.status !== 'active' || c.current_node_id !== 't',
  );
  expect(wrong).toEqual([]);

  const emails = await store.db
    .selectFrom('outbound_messages')
    .select((eb) => ['connection_id', eb.fn.countAll<number>().as('n')])
    .groupBy('connection_id')
    .execute();
  const emailCount = new Map(emails.map((e) => [e.connection_id, Number(e.n)]));
  const badEmails = connections.filter((c) => emailCount.get(c.id) !== (gold.has(c.id) ? 2 : 1));
  expect(badEmails).toEqual([]);

  const steps = await store.db
    .selectFrom('step_instances')
    .select((eb) => ['connection_id', eb.fn.countAll<number>().as('n')])
    .groupBy('connection_id')
    .execute();
  expect(steps.filter((s) => Number(s.n) !== 4)).toEqual([]);
  expect(steps).toHaveLength(CONNECTIONS);

  // The timeline has no unique key: an event applied twice would show here.
  const timeline = await store.db
    .selectFrom('timeline_events')
    .select((eb) => ['connection_id', eb.fn.countAll<number>().as('n')])
    .groupBy('connection_id')
    .execute();
  const badTimeline = timeline.filter((t) => Number(t.n) !== (gold.has(t.connection_id ?? '') ? 6 : 4));
  expect(badTimeline).toEqual([]);
  expect(timeline).toHaveLength(CONNECTIONS);

  const spread = await store.db
    .selectFrom('scheduled_tasks')
    .select((eb) => ['attempts', eb.fn.countAll<number>().as('n')])
    .groupBy('attempts')
    .orderBy('attempts')
    .execute();
  console.info(`crash test: tasks by attempts ${spread.map((r) => `${r.attempts}:${r.n}`).join(' ')}`);
  // Every task done; none given up on although many were claimed by a worker that then died.
  const tasks = await store.db
    .selectFrom('scheduled_tasks')
    .select((eb) => ['status', eb.fn.countAll<number>().as('n')])
    .groupBy('status')
    .execute();
  expect(tasks.map((t) => [t.status, Number(t.n)])).toEqual([['done', 2 * CONNECTIONS]]);
  const retried = await store.db
    .selectFrom('scheduled_tasks')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('attempts', '>', 1)
    .executeTakeFirstOrThrow();
  expect(Number(retried.n)).toBeGreaterThan(0);
}

describe('crash test (postgres, 3 workers)', () => {
  it(
    `advances ${CONNECTIONS} connections exactly once through ${KILLS} SIGKILLs mid-work`,
    async () => {
      const store = await freshStore('postgres', { file: true });
      try {
        const { gold } = await seedCrashWorkload(store);
        const phases = [T0, T0 + 2 * DAY];
        const kills: Kill[] = [];
        const fleet = new Fleet(store, T0);
        await fleet.ready();
        const started = Date.now();
        // Worker restarts bound the pace: ~1 s each on an idle machine, ~3 s on a loaded one (39 kills in 120 s at a
        // load average of 21 on 2 cores). The bound leaves room for a busy machine.
        const deadline = started + faultScale(240_000, 600_000);
        let phase = 0;
        let misses = 0;
        while (kills.length < KILLS && Date.now() < deadline) {
          const at = phases[phase] as number;
          if ((await count(store, { dueBy: at })) === 0) {
            if (phase === phases.length - 1) break;
            phase++;
            await fleet.moveTo(phases[phase] as number);
            continue;
          }
          const killed = await fleet.killMidWork();
          if (killed && killed.inFlight > 0) kills.push(killed);
          else misses++;
        }
        console.info(
          `crash test: ${kills.length} kills mid-work (${misses} misses, phase ${phase}) in ${Math.round((Date.now() - started) / 1000)} s, ${kills.reduce((n, k) => n + k.inFlight, 0)} leased tasks interrupted`,
        );
        // Every counted kill interrupted leased work, with work still pending.
        expect(kills.length).toBeGreaterThanOrEqual(KILLS);
        expect(kills.filter((k) => k.pending === 0 || k.inFlight === 0)).toEqual([]);
        expect(new Set(kills.map((k) => k.worker)).size).toBe(WORKERS);

        await fleet.finish(60_000);
        if (phase === 0) {
          expect(await count(store, { dueBy: T0 + 2 * DAY })).toBe(CONNECTIONS);
          await fleet.moveTo(T0 + 2 * DAY);
          await fleet.finish(60_000);
        }
        await fleet.stopAll();
        await verify(store, gold);
      } finally {
        await store.close();
      }
    },
    faultScale(480_000, 900_000),
  );
});
