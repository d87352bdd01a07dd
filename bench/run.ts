import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { benchGraphileWorker } from './baselines/graphile-worker.ts';
import { benchRawSqlite } from './baselines/raw-sqlite.ts';
import { describeMachine, loadAverage, type PostgresServer, round, startPostgres } from './lib/env.ts';
import { renderMarkdown } from './lib/markdown.ts';
import { Report } from './lib/report.ts';
import { freshTarget } from './lib/target.ts';
import { benchApiLoadAndWorklist } from './scenarios/api-load.ts';
import { benchBulkConnect } from './scenarios/bulk-connect.ts';
import { benchClassifyInbound } from './scenarios/classify-inbound.ts';
import { benchEngineThroughput } from './scenarios/engine-throughput.ts';

/**
 * `npm run bench`: builds its own data, runs every scenario on SQLite and PostgreSQL with the baselines measured
 * in the same run, and writes BENCHMARKS.md. `--size` shrinks everything for a quick look (not for the record).
 */
const { values: args } = parseArgs({
  options: {
    size: { type: 'string', default: '100000' },
    sellers: { type: 'string', default: '1000' },
    'worklist-connections': { type: 'string', default: '250' },
    only: { type: 'string' },
    out: { type: 'string', default: 'BENCHMARKS.md' },
  },
});
const size = Number(args.size);
const sellers = Number(args.sellers);
const connectionsPerSeller = Number(args['worklist-connections']);
const only = args.only ? new Set(args.only.split(',')) : null;
const wanted = (name: string) => !only || only.has(name);

const report = new Report();
const machine = describeMachine();
const started = performance.now();
const loadBefore = loadAverage();
let postgres: PostgresServer | null = null;
try {
  console.log(`Stepwise benchmarks — ${machine.cpu} ×${machine.cores}, ${machine.node}, size ${size}`);
  postgres = await startPostgres();
  const ratios: string[] = [];

  if (wanted('connect')) {
    for (const dialect of ['sqlite', 'postgres'] as const) {
      const target = await freshTarget(dialect, postgres, 'connect');
      await benchBulkConnect(target, size, report);
      await target.store.close();
    }
  }

  if (wanted('engine')) {
    const sqlite = await freshTarget('sqlite', postgres, 'engine');
    const ours = await benchEngineThroughput(sqlite, size, 1, report, { deliverMail: true });
    await sqlite.store.close();
    const ceiling = await benchRawSqlite(size, ours.census, report);
    const share = ours.transitionsPerSecond / ceiling.rowsPerSecondAsTransitions;
    report.add({
      scenario: '2. Engine throughput',
      setup: 'sqlite: ours ÷ raw-insert ceiling',
      metric: 'ratio',
      value: round(share * 100, 1),
      unit: '%',
      target: '≥ 25 %',
      met: share >= 0.25,
    });
    ratios.push(
      `SQLite: ${round(share * 100, 1)} % of the raw better-sqlite3 insert ceiling (target ≥ 25 %)`,
    );

    const baseline = await benchGraphileWorker(postgres, size, report);
    for (const workers of [1, 3]) {
      const target = await freshTarget('postgres', postgres, `engine${workers}`);
      const result = await benchEngineThroughput(target, size, workers, report, {
        // SMTP delivery is measured once, on the SQLite run (time budget of the full run).
        deliverMail: false,
      });
      await target.store.close();
      const ratio = result.transitionsPerSecond / baseline.jobsPerSecond;
      report.add({
        scenario: '2. Engine throughput',
        setup: `postgres, ${workers} worker(s): our transitions/s ÷ graphile-worker no-op jobs/s`,
        metric: 'ratio',
        value: round(ratio, 2),
        unit: '×',
        target: '≥ 1.0',
        met: ratio >= 1,
      });
      ratios.push(
        `PostgreSQL, ${workers} worker(s): ${round(ratio, 2)}× graphile-worker's no-op jobs/s (target ≥ 1.0)`,
      );
    }
  }

  if (wanted('worklist')) {
    for (const dialect of ['sqlite', 'postgres'] as const) {
      const target = await freshTarget(dialect, postgres, 'worklist');
      await benchApiLoadAndWorklist(target, sellers, connectionsPerSeller, report);
      await target.store.close();
    }
  }

  if (wanted('classify')) {
    await benchClassifyInbound(Math.max(2, Math.min(20, Math.round(size / 5000))), report);
  }

  const minutes = round((performance.now() - started) / 60_000, 1);
  const markdown = renderMarkdown({
    machine,
    figures: report.figures,
    ratios,
    minutes,
    size,
    sellers,
    connectionsPerSeller,
    load: { before: loadBefore, after: loadAverage() },
  });
  writeFileSync(args.out, markdown);
  console.log(`Wrote ${args.out} (${minutes} min)`);
} finally {
  await postgres?.stop();
}
