import { benchGraphileWorker } from '../baselines/graphile-worker.ts';
import { benchNaiveGraphile } from '../baselines/naive-graphile.ts';
import { benchRawSqlite } from '../baselines/raw-sqlite.ts';
import { prepareEngineBacklog } from '../lib/engine-backlog.ts';
import { type PostgresServer, round } from '../lib/env.ts';
import type { MemoryFigures } from '../lib/memory.ts';
import type { Report } from '../lib/report.ts';
import { cloneTarget, freshTarget } from '../lib/target.ts';
import { benchEngineThroughput, type EngineThroughput } from '../scenarios/engine-throughput.ts';

/** The naive baseline is timed over this window of the full backlog (it would need many minutes to drain it). */
export const NAIVE_WINDOW_SECONDS = 30;

const memoryBar = (report: Report, label: string, m: MemoryFigures) =>
  report.bar({
    measure: `Peak RSS of one worker at ${label}`,
    value: `${m.peakRssMiB ?? 'n/a'} MiB (V8 heap peak ${m.peakHeapMiB ?? 'n/a'} MiB)`,
    bar: '≤ 200 MiB',
    met: m.peakRssMiB !== null && m.peakRssMiB <= 200,
  });

/**
 * Scenario 2 with every baseline in the same run: SQLite against the raw better-sqlite3 ceiling; PostgreSQL with
 * 1 and 3 workers against graphile-worker's no-op jobs (ceiling reference) and against the same transition built
 * the naive way on graphile-worker. The PostgreSQL backlog is built once and cloned for each of the four runs.
 */
export async function engineSuite(
  postgres: PostgresServer,
  size: number,
  report: Report,
  ratios: string[],
  options: { naiveWindowSeconds?: number; onProgress?: () => void } = {},
): Promise<{ postgres1: EngineThroughput }> {
  const noop = await benchGraphileWorker(postgres, size, report);
  const template = await freshTarget('postgres', postgres, 'engine_template');
  process.stdout.write(`  building the PostgreSQL backlog of ${size.toLocaleString('en')} connections…`);
  await prepareEngineBacklog(template, size);
  await template.store.close();
  process.stdout.write(' done\n');
  let postgres1: EngineThroughput | null = null;
  for (const workers of [1, 3]) {
    const ourTarget = await cloneTarget(postgres, template.database!, `engine${workers}`);
    const result = await benchEngineThroughput(ourTarget, size, workers, report, {
      deliverMail: false, // SMTP delivery is measured once, on the SQLite run (time budget of the full run).
      prepared: true,
    });
    await ourTarget.store.close();
    await postgres.dropDatabase(ourTarget.database!);
    if (workers === 1) {
      postgres1 = result;
      memoryBar(report, `${size.toLocaleString('en')} due (PostgreSQL)`, result.worker);
    }
    const naiveTarget = await cloneTarget(postgres, template.database!, `naive${workers}`);
    const naive = await benchNaiveGraphile(naiveTarget, size, workers, report, {
      prepared: true,
      windowSeconds: options.naiveWindowSeconds ?? NAIVE_WINDOW_SECONDS,
    });
    await naiveTarget.store.close();
    await postgres.dropDatabase(naiveTarget.database!);

    const ratio = result.transitionsPerSecond / noop.jobsPerSecond;
    const fair = result.transitionsPerSecond / naive.transitionsPerSecond;
    const noopBar = workers === 1 ? 1 : 1.5;
    const label = `${workers} worker${workers > 1 ? 's' : ''}`;
    report.add({
      scenario: '2. Engine throughput',
      setup: `postgres, ${label}: our transitions/s ÷ graphile-worker no-op jobs/s`,
      metric: 'ratio',
      value: round(ratio, 2),
      unit: '×',
      target: `≥ ${noopBar}`,
      met: ratio >= noopBar,
    });
    report.add({
      scenario: '2. Engine throughput',
      setup: `postgres, ${label}: our transitions/s ÷ the naive graphile-worker sequence's`,
      metric: 'ratio',
      value: round(fair, 2),
      unit: '×',
      target: '≥ 3',
      met: fair >= 3,
    });
    report.bar({
      measure: `PostgreSQL, ${label}: transitions/s ÷ graphile-worker no-op jobs/s (ceiling reference)`,
      value: `${round(ratio, 2)}× (${result.transitionsPerSecond.toLocaleString('en')} ÷ ${noop.jobsPerSecond.toLocaleString('en')})`,
      bar: `≥ ${noopBar.toFixed(1)}×`,
      met: ratio >= noopBar,
    });
    report.bar({
      measure: `PostgreSQL, ${label}: transitions/s ÷ the same sequence on graphile-worker, naive`,
      value: `${round(fair, 2)}× (${result.transitionsPerSecond.toLocaleString('en')} ÷ ${naive.transitionsPerSecond.toLocaleString('en')})`,
      bar: '≥ 3×',
      met: fair >= 3,
    });
    ratios.push(
      `PostgreSQL, ${label}: ${round(ratio, 2)}× graphile-worker's no-op jobs/s (bar ≥ ${noopBar}); ${round(fair, 2)}× the naive graphile-worker sequence (bar ≥ 3)`,
    );
  }
  await postgres.dropDatabase(template.database!);
  options.onProgress?.();
  await sqliteEngineSuite(size, report, ratios);
  return { postgres1: postgres1! };
}

/** Scenario 2 on SQLite against the raw better-sqlite3 ceiling (also alone: `bench/run.ts --engine-dialects sqlite`). */
export async function sqliteEngineSuite(size: number, report: Report, ratios: string[]): Promise<void> {
  const sqlite = await freshTarget('sqlite', null, 'engine');
  const ours = await benchEngineThroughput(sqlite, size, 1, report, { deliverMail: true });
  await sqlite.store.close();
  memoryBar(report, `${size.toLocaleString('en')} due (SQLite)`, ours.worker);
  const ceiling = await benchRawSqlite(size, ours.census, report);
  const share = ours.transitionsPerSecond / ceiling.rowsPerSecondAsTransitions;
  if (ours.workerCpuSeconds !== null) {
    // The same ratio by CPU time (the worker's and the ceiling loop's): on a shared machine the wall-time ratio
    // also measures who got a core.
    report.add({
      scenario: '2. Engine throughput',
      setup: 'sqlite: ours ÷ raw-insert ceiling, by CPU time',
      metric: 'ratio',
      value: round((ceiling.cpuSeconds / ours.workerCpuSeconds) * 100, 1),
      unit: '%',
    });
  }
  report.add({
    scenario: '2. Engine throughput',
    setup: 'sqlite: ours ÷ raw-insert ceiling',
    metric: 'ratio',
    value: round(share * 100, 1),
    unit: '%',
    target: '≥ 35 %',
    met: share >= 0.35,
  });
  report.bar({
    measure: 'SQLite: transitions/s ÷ raw better-sqlite3 insert ceiling of the same rows',
    value: `${round(share * 100, 1)} %`,
    bar: '≥ 35 %',
    met: share >= 0.35,
  });
  ratios.push(`SQLite: ${round(share * 100, 1)} % of the raw better-sqlite3 insert ceiling (bar ≥ 35 %)`);
}
