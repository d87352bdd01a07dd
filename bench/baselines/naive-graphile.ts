import { resolve } from 'node:path';
import { Logger, runMigrations } from 'graphile-worker';
import pg from 'pg';
import { countRecordsWithCustomText, countRows } from '../../src/store/stats/count-rows.ts';
import { BACKLOG_T1, prepareEngineBacklog } from '../lib/engine-backlog.ts';
import { round, settleForTiming } from '../lib/env.ts';
import type { MemoryFigures } from '../lib/memory.ts';
import { spawnNode, waitFor } from '../lib/processes.ts';
import type { Report } from '../lib/report.ts';
import type { Target } from '../lib/target.ts';
import { type RowCensus, TRANSITIONS_PER_CONNECTION } from '../scenarios/engine-throughput.ts';
import { NAIVE_TASK, type NaivePayload } from './naive-graphile-worker.ts';

const CHILD = resolve(import.meta.dirname, 'naive-graphile-worker.ts');

export interface NaiveResult {
  seconds: number;
  transitionsPerSecond: number;
  census: Omit<RowCensus, 'scheduled_tasks'>;
  worker: MemoryFigures;
}

/**
 * The fair baseline: the same set-up as scenario 2 (same rows, same sequence, same PostgreSQL server), then the
 * transition the obvious way on graphile-worker — one job per due step, `workers` processes of
 * naive-graphile-worker.ts. Each connection's pending timer becomes one graphile job (parked in the future until
 * every process is up, then made due at once, as for our workers); the clock runs until no due job is left.
 *
 * Plain `pg` queries here and in the worker, on purpose: it is the competitor's code, not Stepwise's store.
 */
export async function benchNaiveGraphile(
  target: Target,
  size: number,
  workers: number,
  report: Report,
  /**
   * prepared: the target already holds the backlog. windowSeconds: time only the first seconds of the backlog
   * (the naive way is slow; a full 100,000 would not fit the run's budget) — the rate is the transitions
   * committed in the window ÷ its length, on the same 100,000-connection tables.
   */
  options: { concurrency?: number; prepared?: boolean; windowSeconds?: number } = {},
): Promise<NaiveResult> {
  if (target.dialect !== 'postgres') throw new Error('graphile-worker runs on PostgreSQL only');
  const { db } = target.store;
  const t1 = options.prepared ? BACKLOG_T1 : (await prepareEngineBacklog(target, size)).t1;
  await runMigrations({ connectionString: target.url, logger: new Logger(() => () => {}) });
  const client = new pg.Client({ connectionString: target.url });
  await client.connect();
  const census = async () => ({
    step_instances: await countRows(db, 'step_instances'),
    outbound_messages: await countRows(db, 'outbound_messages'),
    timeline_events: await countRows(db, 'timeline_events'),
  });
  const children: ReturnType<typeof spawnNode>[] = [];
  try {
    // Our timer tasks become graphile jobs (the scheduled_tasks rows stay; nothing in the baseline reads them).
    const { rows } = await client.query(
      "select connection_id, payload_json from scheduled_tasks where status = 'pending' and due_at <= $1",
      [t1],
    );
    if (rows.length !== size) throw new Error(`expected ${size} due timers, found ${rows.length}`);
    for (let i = 0; i < rows.length; i += 10_000) {
      const specs = rows.slice(i, i + 10_000).map((row) => ({
        identifier: NAIVE_TASK,
        payload: {
          orgId: 'bench-org',
          connectionId: row.connection_id,
          event: JSON.parse(row.payload_json),
        } satisfies NaivePayload,
        run_at: '2999-01-01T00:00:00Z',
      }));
      await client.query(
        'select graphile_worker.add_jobs(array(select json_populate_recordset(null::graphile_worker.job_spec, $1::json)))',
        [JSON.stringify(specs)],
      );
    }
    await settleForTiming(target.url);
    const before = await census();
    for (let i = 0; i < workers; i++) {
      children.push(
        spawnNode(['--import', 'tsx', CHILD], {
          DATABASE_URL: target.url,
          BENCH_NOW: String(t1),
          BENCH_CONCURRENCY: String(options.concurrency ?? 24),
        }),
      );
    }
    const dueJobs = async () =>
      Number(
        (
          await client.query(
            'select count(*)::int as n from graphile_worker._private_jobs where run_at <= now()',
          )
        ).rows[0].n,
      );
    let started: number;
    let finished: number;
    let committed: number;
    try {
      await waitFor(
        async () => children.every((c) => c.output().includes('naive worker ready')),
        120_000,
        50,
      );
      await client.query('update graphile_worker._private_jobs set run_at = now()');
      started = performance.now();
      const windowMs = (options.windowSeconds ?? Number.POSITIVE_INFINITY) * 1000;
      finished = await waitFor(
        async () => performance.now() - started >= windowMs || (await dueJobs()) === 0,
        900_000,
        20,
      );
      committed = (await countRows(db, 'outbound_messages')) - before.outbound_messages;
    } catch (error) {
      for (const child of children) console.error(child.output());
      throw error;
    }
    const memories = children.map((c) => c.memory());
    await Promise.all(children.map((c) => c.stop()));
    const failed = Number(
      (
        await client.query(
          'select count(*)::int as n from graphile_worker._private_jobs where last_error is not null',
        )
      ).rows[0].n,
    );
    const after = await census();
    const messages = after.outbound_messages - before.outbound_messages;
    const updated = await countRecordsWithCustomText(db, 'contacted');
    const drained = committed === size;
    // Every committed job wrote one message and one field update; a drained backlog wrote them all.
    if (failed > 0 || messages !== updated || messages < committed || committed === 0) {
      for (const child of children) console.error(child.output());
      throw new Error(
        `naive baseline: ${failed} failed jobs, ${messages} messages, ${updated} field updates`,
      );
    }
    const seconds = (finished - started) / 1000;
    const transitionsPerSecond = Math.round((committed * TRANSITIONS_PER_CONNECTION) / seconds);
    const setup = `postgres, naive graphile-worker sequence, ${workers} process${workers > 1 ? 'es' : ''} × concurrency ${options.concurrency ?? 24}, ${size.toLocaleString('en')} connections`;
    report.add({
      scenario: 'Baseline',
      setup,
      metric: drained ? 'backlog drained in' : 'timed window',
      value: round(seconds, 2),
      unit: 's',
      note: `${committed.toLocaleString('en')} of ${size.toLocaleString('en')} due connections advanced in it`,
    });
    report.add({
      scenario: 'Baseline',
      setup,
      metric: 'step transitions',
      value: transitionsPerSecond,
      unit: '/s',
    });
    const worker: MemoryFigures = {
      peakRssMiB: Math.max(...memories.map((m) => m.peakRssMiB ?? 0)),
      rssMiB: Math.max(...memories.map((m) => m.rssMiB ?? 0)),
      peakHeapMiB: Math.max(...memories.map((m) => m.peakHeapMiB ?? 0)),
      heapMiB: Math.max(...memories.map((m) => m.heapMiB ?? 0)),
    };
    report.add({
      scenario: 'Baseline',
      setup,
      metric: 'peak RSS · peak V8 heap per worker process',
      value: `${worker.peakRssMiB} · ${worker.peakHeapMiB}`,
      unit: 'MiB',
    });
    return {
      seconds,
      transitionsPerSecond,
      census: {
        step_instances: after.step_instances - before.step_instances,
        outbound_messages: messages,
        timeline_events: after.timeline_events - before.timeline_events,
      },
      worker,
    };
  } finally {
    await Promise.all(children.map((c) => c.stop()));
    await client.end();
  }
}
