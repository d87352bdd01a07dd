import { Logger, run, runMigrations } from 'graphile-worker';
import pg from 'pg';
import { type PostgresServer, round, settleForTiming } from '../lib/env.ts';
import { waitFor } from '../lib/processes.ts';
import type { Report } from '../lib/report.ts';

/**
 * Baseline: graphile-worker on the same PostgreSQL server, N no-op jobs, with the settings of its performance
 * page (concurrentJobs 24, maxPoolSize 25, localQueue 500, batched completion) — its fastest documented setup.
 * Jobs are queued first (not timed); the clock runs from starting the runner until the queue is empty.
 */
export async function benchGraphileWorker(postgres: PostgresServer, size: number, report: Report) {
  const connectionString = await postgres.createDatabase('graphile_baseline');
  const silent = new Logger(() => () => {});
  await runMigrations({ connectionString, logger: silent });
  const client = new pg.Client({ connectionString });
  await client.connect();
  for (let i = 0; i < size; i += 10_000) {
    const specs = Array.from({ length: Math.min(10_000, size - i) }, () => ({
      identifier: 'noop',
      payload: {},
    }));
    await client.query(
      'select graphile_worker.add_jobs(array(select json_populate_recordset(null::graphile_worker.job_spec, $1::json)))',
      [JSON.stringify(specs)],
    );
  }
  const remaining = async () =>
    Number((await client.query('select count(*)::int as n from graphile_worker._private_jobs')).rows[0].n);
  await settleForTiming(connectionString, ['graphile_worker._private_jobs']);
  let executed = 0;
  const started = performance.now();
  const runner = await run({
    connectionString,
    concurrency: 24,
    maxPoolSize: 25,
    noHandleSignals: true,
    logger: silent,
    taskList: {
      noop: async () => {
        executed++;
      },
    },
    preset: { worker: { localQueue: { size: 500 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
  });
  await waitFor(async () => executed >= size, 600_000, 20);
  const finished = await waitFor(async () => (await remaining()) === 0, 120_000, 20);
  await runner.stop();
  await client.end();
  const seconds = (finished - started) / 1000;
  const jobsPerSecond = Math.round(size / seconds);
  const setup = `postgres, graphile-worker 0.17 (concurrency 24, localQueue 500), ${size.toLocaleString('en')} no-op jobs`;
  report.add({ scenario: 'Baseline', setup, metric: 'wall time', value: round(seconds, 2), unit: 's' });
  report.add({ scenario: 'Baseline', setup, metric: 'no-op jobs', value: jobsPerSecond, unit: '/s' });
  return { jobsPerSecond };
}
