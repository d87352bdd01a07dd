import type { ChildProcess } from 'node:child_process';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/db.ts';
import { T0 } from '../engine/engine-fixtures.ts';
import { freshStore } from '../support/databases.ts';
import { seedCrashWorkload } from './crash-fixture.ts';
import { killWorker, startCrashWorker } from './crash-workers.ts';
import { buildServer, pause } from './harness.ts';

/**
 * PostgreSQL ends the workers' sessions again and again (an operator's `pg_terminate_backend`, a failover, a
 * restart): every 100 ms, every session of two real `stepwise worker` processes that is running a statement or
 * holding a transaction is terminated, for as long as the first phase has work left. The server says why
 * (`terminating connection due to administrator command`), so none of it is the tasks' fault: no task may end
 * `dead`, and every connection still sends its first email exactly once. Before the fix, a task whose batch and
 * solo retries were hit 5 times in all was given up on ("Connection terminated unexpectedly").
 */
const CONNECTIONS = 1500;
/** The first phase: the `connected` events (due at T0) and their retries (backed off by seconds, not a day). */
const PHASE_END = T0 + 12 * 3_600_000;

const server = buildServer();
const children = new Set<ChildProcess>();
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  server.remove();
});

async function phaseLeft(store: Store): Promise<number> {
  const row = await store.db
    .selectFrom('scheduled_tasks')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'pending')
    .where('due_at', '<', PHASE_END)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('database sessions ended again and again (postgres, 2 workers × 3 batches)', () => {
  it('gives up on no task and applies every first step exactly once', async () => {
    const store = await freshStore('postgres', { file: true });
    const workers: ChildProcess[] = [];
    try {
      await seedCrashWorkload(store, CONNECTIONS);
      for (const workerId of ['kills-w0', 'kills-w1']) {
        workers.push(
          await startCrashWorker(server.bin, children, {
            url: store.url,
            workerId,
            fakeNow: T0,
            secretKey: 'kills-test-secret-0123456789abcdef0123456789',
          }),
        );
      }
      let kills = 0;
      const deadline = Date.now() + 240_000;
      let left = await phaseLeft(store);
      while (left > 0 && Date.now() < deadline) {
        // Only this test's database: other tests' workers share the PostgreSQL server and their session names.
        const ended = await sql<{ n: number }>`
          SELECT count(*)::int AS n FROM (
            SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = current_database() AND application_name LIKE 'crash-worker-%'
               AND state <> 'idle') AS t`.execute(store.db);
        kills += ended.rows[0]?.n ?? 0;
        await pause(100);
        left = await phaseLeft(store);
      }
      for (const worker of workers) await killWorker(worker);
      const statuses = await store.db
        .selectFrom('scheduled_tasks')
        .select(['status', 'last_error'])
        .where('due_at', '<', PHASE_END)
        .execute();
      const dead = statuses.filter((t) => t.status === 'dead');
      const summary = `${kills} sessions ended; ${left} tasks left; dead: ${JSON.stringify(dead.slice(0, 3))}`;
      console.info(`connection kills test: ${summary}`);
      expect(dead, summary).toEqual([]);
      expect(left, summary).toBe(0);
      expect(statuses.filter((t) => t.status !== 'done')).toEqual([]);
      // The storm did hit the work (otherwise this test proves nothing).
      expect(kills, summary).toBeGreaterThanOrEqual(10);
      // Attempts: 1 for the run that finished; a second one only where a batch's release was itself cut off
      // five times and a fold counted it. On the old code every solo retry the storm hit cost one more.
      const attempts = await store.db
        .selectFrom('scheduled_tasks')
        .select(['attempts', (eb) => eb.fn.countAll<number>().as('n')])
        .where('due_at', '<', PHASE_END)
        .groupBy('attempts')
        .orderBy('attempts')
        .execute();
      const spread = attempts.map((a) => `${a.attempts}: ${a.n}`).join(', ');
      console.info(`connection kills test: tasks by attempts ${spread}`);
      expect(
        attempts.filter((a) => a.attempts > 2),
        `${summary}; tasks by attempts ${spread}`,
      ).toEqual([]);
      // Every connection sent its first email exactly once.
      const emails = await store.db
        .selectFrom('outbound_messages')
        .select(['connection_id', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy('connection_id')
        .execute();
      expect(emails).toHaveLength(CONNECTIONS);
      expect(emails.filter((e) => Number(e.n) !== 1)).toEqual([]);
      const waiting = await store.db
        .selectFrom('connections')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('status', '=', 'active')
        .where('current_node_id', '=', 'w')
        .executeTakeFirstOrThrow();
      expect(Number(waiting.n)).toBe(CONNECTIONS);
    } finally {
      for (const worker of workers) await killWorker(worker);
      await store.close();
    }
  }, 360_000);
});
