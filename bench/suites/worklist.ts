import type { DialectName } from '../../src/store/db.ts';
import { type PostgresServer, round } from '../lib/env.ts';
import type { Report } from '../lib/report.ts';
import { freshTarget } from '../lib/target.ts';
import { benchApiLoadAndWorklist, type WorklistFigures } from '../scenarios/api-load.ts';
import { benchEngineThroughput, type EngineThroughput } from '../scenarios/engine-throughput.ts';

const LOAD_BARS: Record<DialectName, { rps: number; p99: number }> = {
  sqlite: { rps: 1000, p99: 100 },
  postgres: { rps: 500, p99: 150 },
};

/** Scenarios 3–5 on both databases, with the issue's bars for the work list under load and serve's RSS. */
export async function worklistSuite(
  postgres: PostgresServer,
  sellers: number,
  connectionsPerSeller: number,
  report: Report,
): Promise<void> {
  for (const dialect of ['sqlite', 'postgres'] as const) {
    const target = await freshTarget(dialect, postgres, 'worklist');
    const figures = await benchApiLoadAndWorklist(target, sellers, connectionsPerSeller, report);
    await target.store.close();
    const name = dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL';
    const bar = LOAD_BARS[dialect];
    const { load } = figures;
    report.bar({
      measure: `GET /api/worklist, 50 concurrent clients, ${name}: req/s · p99`,
      value: `${load.requestsPerSecond.toLocaleString('en')} · ${load.p99} ms${load.failures ? ` (${load.failures} failed)` : ''}`,
      bar: `≥ ${bar.rps.toLocaleString('en')} · ≤ ${bar.p99} ms`,
      met: load.requestsPerSecond >= bar.rps && load.p99 <= bar.p99 && load.failures === 0,
    });
    const rss = figures.memory.rssMiB;
    report.bar({
      measure: `\`serve\` RSS after the work-list scenarios, ${name}`,
      value: `${rss ?? 'n/a'} MiB (peak ${figures.memory.peakRssMiB ?? 'n/a'}, V8 heap peak ${figures.memory.peakHeapMiB ?? 'n/a'})`,
      bar: '≤ 300 MiB',
      met: rss !== null && rss <= 300,
    });
  }
}

/**
 * Growth on PostgreSQL: the engine (1 worker) and the work list at each size. The engine point at the main size
 * reuses the main run's figure (same scenario, same method).
 */
export async function growthSuite(
  postgres: PostgresServer,
  sizes: number[],
  report: Report,
  reuse: { size: number; engine: EngineThroughput } | null,
  options: { sellers?: number; samplesPerFilter?: number; loadSeconds?: number; onPoint?: () => void } = {},
): Promise<void> {
  const sellers = options.sellers ?? 1000;
  for (const size of sizes) {
    let engine = reuse && reuse.size === size ? reuse.engine : null;
    if (!engine) {
      const target = await freshTarget('postgres', postgres, `growth_engine_${size}`);
      engine = await benchEngineThroughput(target, size, 1, report, { deliverMail: false });
      await target.store.close();
      await postgres.dropDatabase(target.database!);
    }
    const target = await freshTarget('postgres', postgres, `growth_worklist_${size}`);
    let worklist: WorklistFigures;
    try {
      worklist = await benchApiLoadAndWorklist(
        target,
        sellers,
        Math.max(1, Math.round(size / sellers)),
        report,
        {
          samplesPerFilter: options.samplesPerFilter ?? 100,
          loadSeconds: options.loadSeconds ?? 5,
        },
      );
    } finally {
      await target.store.close();
    }
    await postgres.dropDatabase(target.database!);
    report.growth.push({
      connections: size,
      transitionsPerSecond: engine.transitionsPerSecond,
      msPer1000Transitions: round(1_000_000 / engine.transitionsPerSecond, 1),
      worklistP99: worklist.firstPageP99,
      worklistLoadP99: worklist.load.p99,
    });
    options.onPoint?.();
  }
}
