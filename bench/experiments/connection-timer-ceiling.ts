/**
 * Experiment, not part of `npm run bench`: how fast could a rewritten engine drain scenario 2 on PostgreSQL if
 * each connection carried its own timer (a `next_due_at` column with a partial index) instead of task rows?
 *
 *   npx tsx bench/experiments/connection-timer-ceiling.ts [--size 20000] [--rounds 2] [--history full|none]
 *
 * It builds the scenario-2 backlog with the real engine (bench/lib/engine-backlog.ts), moves every pending timer
 * onto its connection row and drops the task rows, then drains copies of it with plain SQL from three clients of
 * one process (as a worker runs three batches): claim up to 500 due connections and their records with
 * `FOR UPDATE SKIP LOCKED` inside the batch transaction (no lease write, no journal), then write what the
 * email-flow sequence's three transitions store — the outbox row, the record's field, the connection's state and
 * next due time and, with `--history full`, the finished wait's step row, three new step rows and a timeline entry.
 * No domain code runs (no `advance`, no template or schedule checks), so this is a ceiling for that design, not
 * a design. graphile-worker's no-op queue runs in the same rounds on the same server for the ratio.
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { benchGraphileWorker } from '../baselines/graphile-worker.ts';
import { prepareEngineBacklog } from '../lib/engine-backlog.ts';
import { startPostgres } from '../lib/env.ts';
import { postgresCpuSeconds } from '../lib/processes.ts';
import { Report } from '../lib/report.ts';
import { cloneTarget, freshTarget } from '../lib/target.ts';
import { drainByConnectionTimers, moveTimersOntoConnections } from './connection-timer-drain.ts';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '2' },
    history: { type: 'string', default: 'full' },
  },
});
const size = Number(values.size);
const rounds = Number(values.rounds);
const history = values.history === 'none' ? 'none' : 'full';

const postgres = await startPostgres();
const serverCpu = () => {
  const pid = postgres.postmasterPid();
  return pid === null ? 0 : postgresCpuSeconds(pid);
};
const processCpu = () => {
  const used = process.cpuUsage();
  return (used.user + used.system) / 1e6;
};

const template = await freshTarget('postgres', postgres, 'timer_ceiling');
const templateDatabase = template.database ?? 'missing';
const { t1 } = await prepareEngineBacklog(template, size);
await template.store.close();
await moveTimersOntoConnections(template.url);

for (let round = 1; round <= rounds; round++) {
  const noopServer = serverCpu();
  const noopClient = processCpu();
  const { jobsPerSecond } = await benchGraphileWorker(postgres, size * 3, new Report());
  const noopCpu = `client ${(processCpu() - noopClient).toFixed(2)} + server ${(serverCpu() - noopServer).toFixed(2)} CPU-s`;
  await postgres.dropDatabase('graphile_baseline');

  const copy = await cloneTarget(postgres, templateDatabase, `timer_ceiling_${round}`);
  await copy.store.close();
  const client = new pg.Client({ connectionString: copy.url });
  await client.connect();
  await client.query('CHECKPOINT');
  await client.end();
  const drainServer = serverCpu();
  const drainClient = processCpu();
  const drained = await drainByConnectionTimers(copy.url, t1, history);
  const drainCpu = `client ${(processCpu() - drainClient).toFixed(2)} + server ${(serverCpu() - drainServer).toFixed(2)} CPU-s`;
  await postgres.dropDatabase(copy.database ?? 'missing');
  if (drained.transitions !== size * 3)
    throw new Error(`drained ${drained.transitions} of ${size * 3} transitions`);

  const ratio = (drained.transitionsPerSecond / jobsPerSecond).toFixed(2);
  console.log(`round ${round}: no-op ${jobsPerSecond} jobs/s (${noopCpu}, incl. queueing)`);
  console.log(
    `round ${round}: timers on connections, history ${history}: ${drained.transitionsPerSecond} transitions/s (${drainCpu}) = ${ratio}× the no-op`,
  );
}
await postgres.stop();
