import type { ChildProcess } from 'node:child_process';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_TASK_ATTEMPTS } from '../../src/engine/process-tasks.ts';
import type { Store } from '../../src/store/db.ts';
import { T0 } from '../engine/engine-fixtures.ts';
import { freshStore } from '../support/databases.ts';
import { seedCrashWorkload } from './crash-fixture.ts';
import { backendsGone, killWorker, startCrashWorker } from './crash-workers.ts';
import { buildServer, pause } from './harness.ts';

/**
 * A poison task on a real `stepwise worker` that applies 3 batches at once (WORKER_CONCURRENCY=3, the default):
 * every time the task is in flight — in a fresh batch (its journal) or leased alone as a suspect — the process is
 * SIGKILLed, as a task that crashes its worker would have it. It must end `dead` after 5 claims, while every other
 * task is applied, none given up on, and none charged more than the one crash it shared a fresh batch with: a
 * suspect runs with no other batch of its process in flight, so the poison's solo crashes drag nothing else along.
 */
const CONNECTIONS = 300;
const WORKER = 'poison-w';

const server = buildServer();
const children = new Set<ChildProcess>();
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  server.remove();
});

const startWorker = (url: string) =>
  startCrashWorker(server.bin, children, {
    url,
    workerId: WORKER,
    fakeNow: T0,
    secretKey: 'poison-test-secret-0123456789abcdef0123456789',
  });

/** Whether the poison is in flight in the worker started after `journalsBefore` were taken. */
async function poisonInFlight(store: Store, poison: string, journalsBefore: Set<string>): Promise<boolean> {
  const task = await store.db
    .selectFrom('scheduled_tasks')
    .select(['status', 'lease_owner'])
    .where('id', '=', poison)
    .executeTakeFirstOrThrow();
  if (task.status !== 'pending') return false;
  // Leased alone (a restarted worker released its predecessor's lease before it started).
  if (task.lease_owner === WORKER) return true;
  const journals = await store.db
    .selectFrom('engine_claims')
    .select('id')
    .where('folded_at', 'is', null)
    .where(sql<boolean>`position(${poison} in task_keys) > 0`)
    .execute();
  return journals.some((j) => !journalsBefore.has(j.id));
}

async function journalIds(store: Store): Promise<Set<string>> {
  return new Set((await store.db.selectFrom('engine_claims').select('id').execute()).map((j) => j.id));
}

describe('poison task (postgres, 1 worker, 3 batches at once)', () => {
  it('a task that kills its worker every time ends dead after 5 claims; nothing else is dragged along', async () => {
    const store = await freshStore('postgres', { file: true });
    try {
      await seedCrashWorkload(store, CONNECTIONS);
      // The poison: a task in the middle of the first phase's backlog.
      const tasks = await store.db
        .selectFrom('scheduled_tasks')
        .select(['id', 'connection_id'])
        .orderBy('id')
        .execute();
      const { id: poison, connection_id: poisonConnection } = tasks[Math.floor(tasks.length / 2)]!;
      // While a worker runs, the test holds the poison's connection row locked: a batch holding the poison waits
      // on it, so the poison stays in flight until the test sees it and kills the worker (without the lock a
      // batch of a few milliseconds could commit between two looks on a busy machine, and nothing was killed).
      // The lock is let go once the worker is dead, and the test takes it again only once PostgreSQL has ended
      // every session of the dead worker: its session waiting for the lock lives on until it gets it, holding its
      // transaction's locks (the poison's row, its batch journal). Woken by the release, that session could lose
      // the lock to the test's next `FOR UPDATE` on a busy machine (PostgreSQL grants a row whose locker ended to
      // whoever asks first); it then waited behind the test for good, the next worker could neither claim the
      // poison nor count the dead batch's attempt, and the test waited for the poison until its deadline.
      const holder = new pg.Client({ connectionString: store.url });
      await holder.connect();
      const holdPoison = async () => {
        await holder.query('BEGIN');
        await holder.query('SELECT id FROM connections WHERE id = $1 FOR UPDATE', [poisonConnection]);
      };
      let kills = 0;
      const started = Date.now();
      const deadline = started + 180_000;
      /** What happened so far, for a failure's message. */
      const seen = async () => {
        const task = await store.db
          .selectFrom('scheduled_tasks')
          .select(['status', 'attempts', 'lease_owner'])
          .where('id', '=', poison)
          .executeTakeFirstOrThrow();
        const seconds = Math.round((Date.now() - started) / 1000);
        return `after ${kills} kills in ${seconds} s the poison is ${task.status} (attempts ${task.attempts}, lease ${task.lease_owner ?? 'none'})`;
      };
      for (;;) {
        const before = await journalIds(store);
        await holdPoison();
        const child = await startWorker(store.url).catch(async (error: unknown) => {
          await holder.query('ROLLBACK');
          throw error;
        });
        let outcome: 'killed' | 'dead' | 'late' = 'late';
        while (Date.now() < deadline) {
          const row = await store.db
            .selectFrom('scheduled_tasks')
            .select('status')
            .where('id', '=', poison)
            .executeTakeFirstOrThrow();
          if (row.status === 'dead') {
            outcome = 'dead';
            break;
          }
          if (await poisonInFlight(store, poison, before)) {
            await killWorker(child);
            await holder.query('ROLLBACK');
            kills++;
            if (!(await backendsGone(store, child, deadline))) {
              throw new Error(`the killed worker's PostgreSQL sessions lived on: ${await seen()}`);
            }
            outcome = 'killed';
            break;
          }
          await pause(1);
        }
        if (outcome === 'killed') continue;
        await holder.query('ROLLBACK');
        if (outcome === 'late') {
          await killWorker(child);
          throw new Error(`the poison was not seen in flight or dead within 180 s: ${await seen()}`);
        }
        // Dead: this worker finishes everything else.
        const due = () =>
          store.db
            .selectFrom('scheduled_tasks')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('status', '=', 'pending')
            .where('due_at', '<=', T0)
            .executeTakeFirstOrThrow();
        while (Number((await due()).n) > 0 && Date.now() < deadline) await pause(50);
        await killWorker(child);
        break;
      }
      await holder.end();
      console.info(`poison test: ${kills} kills`);
      const dead = await store.db
        .selectFrom('scheduled_tasks')
        .select(['id', 'attempts', 'last_error'])
        .where('status', '=', 'dead')
        .execute();
      expect(
        dead.map((t) => [t.id, t.attempts]),
        await seen(),
      ).toEqual([[poison, MAX_TASK_ATTEMPTS]]);
      expect(dead[0]?.last_error).toContain(`claimed ${MAX_TASK_ATTEMPTS} times without finishing`);
      expect(kills, await seen()).toBeGreaterThanOrEqual(MAX_TASK_ATTEMPTS);
      // Every other task of the phase is done, none tried more than twice (one shared crash, one solo retry).
      const others = await store.db
        .selectFrom('scheduled_tasks')
        .select(['status', 'attempts'])
        .where('id', '!=', poison)
        .where('due_at', '<=', T0)
        .execute();
      expect(others).toHaveLength(CONNECTIONS - 1);
      expect(others.filter((t) => t.status !== 'done')).toEqual([]);
      expect(others.filter((t) => t.attempts > 2)).toEqual([]);
      expect(others.filter((t) => t.attempts === 2).length).toBeGreaterThan(0);
      const emails = await store.db
        .selectFrom('outbound_messages')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      expect(Number(emails.n)).toBe(CONNECTIONS - 1);
    } finally {
      await store.close();
    }
  }, 300_000);
});
