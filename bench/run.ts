import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { describeMachine, loadAverage, type PostgresServer, round, startPostgres } from './lib/env.ts';
import { EXPLANATIONS } from './lib/explanations.ts';
import { growthSvg } from './lib/growth-chart.ts';
import { renderMarkdown } from './lib/markdown.ts';
import { Report } from './lib/report.ts';
import {
  DEFAULT_GROWTH_SIZES,
  keepSeparatePoints,
  readSeparatePoints,
  separateGrowthFile,
  withSeparatePoints,
} from './lib/separate-growth.ts';
import { freshTarget } from './lib/target.ts';
import { benchBulkConnect } from './scenarios/bulk-connect.ts';
import { benchClassifyInbound } from './scenarios/classify-inbound.ts';
import type { EngineThroughput } from './scenarios/engine-throughput.ts';
import { engineSuite, sqliteEngineSuite } from './suites/engine.ts';
import { growthSuite, worklistSuite } from './suites/worklist.ts';

/**
 * `npm run bench`: builds its own data, runs every scenario on SQLite and PostgreSQL with the baselines measured
 * in the same run, marks #17's bars, runs the growth sizes on PostgreSQL and writes BENCHMARKS.md with the growth
 * chart beside it. `--size` shrinks everything for a quick look (not for the record); `--growth` lists the growth
 * sizes (1,000,000 only when asked: `--growth 10000,100000,1000000`, or `--size 1000000`).
 */
const { values: args } = parseArgs({
  options: {
    size: { type: 'string', default: '100000' },
    sellers: { type: 'string', default: '1000' },
    'worklist-connections': { type: 'string', default: '250' },
    growth: { type: 'string', default: DEFAULT_GROWTH_SIZES.join(',') },
    only: { type: 'string' },
    /** `sqlite`: the engine suite runs only its SQLite part (no PostgreSQL baselines). */
    'engine-dialects': { type: 'string', default: 'sqlite,postgres' },
    'from-source': { type: 'boolean', default: false },
    /** Re-render the markdown from a run's saved figures (`<out>.json`) without measuring again. */
    render: { type: 'string' },
    out: { type: 'string', default: 'BENCHMARKS.md' },
  },
});
const size = Number(args.size);
const sellers = Number(args.sellers);
const connectionsPerSeller = Number(args['worklist-connections']);
const growthSizes = [...new Set([...args.growth.split(',').map(Number), ...(size > 100_000 ? [size] : [])])]
  .filter((n) => n > 0)
  .sort((a, b) => a - b);
const only = args.only ? new Set(args.only.split(',')) : null;
const wanted = (name: string) => !only || only.has(name);
const chartFile = join(dirname(args.out), `${basename(args.out, '.md').toLowerCase()}-growth.svg`);
/** Growth points of sizes outside the default run, kept from the run that measured them (separate-growth.ts). */
const separateFile = separateGrowthFile(args.out);

/** BENCHMARKS.md and its chart from a run's figures, with the kept points of sizes that run did not measure. */
function writeReport(run: Omit<Parameters<typeof renderMarkdown>[0], 'explanations' | 'chartFile'>): void {
  const growth = withSeparatePoints(run.growth, readSeparatePoints(separateFile));
  if (growth.length > 0) writeFileSync(chartFile, growthSvg(growth));
  const chart = growth.length > 0 ? basename(chartFile) : null;
  writeFileSync(args.out, renderMarkdown({ ...run, growth, chartFile: chart, explanations: EXPLANATIONS }));
}

if (args.render) {
  writeReport(JSON.parse(readFileSync(args.render, 'utf8')));
  console.log(`Rendered ${args.out} from ${args.render}`);
  process.exit(0);
}

/** The last run's figures, for `--render` (ignored by git and biome). */
const SAVED_DIR = join(import.meta.dirname, 'out');

const report = new Report();
const machine = describeMachine();
const started = performance.now();
const loadBefore = loadAverage();
let postgres: PostgresServer | null = null;
const ratios: string[] = [];

/**
 * Writes BENCHMARKS.md (and the figures for `--render`) with what is measured so far: after every suite, so a run
 * stopped early still leaves its figures, marked as partial; `running` names the suite still to come.
 */
function save(running: string | null): void {
  const minutes = round((performance.now() - started) / 60_000, 1);
  const saved = {
    machine,
    figures: report.figures,
    ratios,
    minutes,
    size,
    sellers,
    connectionsPerSeller,
    load: { before: loadBefore, after: loadAverage() },
    bars: report.bars,
    growth: report.growth,
    partial: running,
  };
  mkdirSync(SAVED_DIR, { recursive: true });
  writeFileSync(join(SAVED_DIR, `${basename(args.out, '.md')}.json`), JSON.stringify(saved, null, 1));
  writeReport(saved);
  console.log(`Wrote ${args.out} (${minutes} min${running ? `; next: ${running}` : ''})`);
}

try {
  console.log(`Stepwise benchmarks — ${machine.cpu} ×${machine.cores}, ${machine.node}, size ${size}`);
  if (!args['from-source']) {
    // Workers and `serve` run the built bundle (dist/), as in production: from source, tsx compiles every module
    // in the process and adds its loader to the footprint measured here.
    execFileSync('npm', ['run', '--silent', 'build:server'], { stdio: 'inherit' });
  }
  mkdirSync(dirname(args.out), { recursive: true });
  postgres = await startPostgres();

  save('engine');
  let engine: EngineThroughput | null = null;
  if (wanted('engine') && args['engine-dialects'] === 'sqlite') await sqliteEngineSuite(size, report, ratios);
  else if (wanted('engine'))
    engine = (
      await engineSuite(postgres, size, report, ratios, { onProgress: () => save('engine (SQLite)') })
    ).postgres1;

  save('connect');
  if (wanted('connect')) {
    for (const dialect of ['sqlite', 'postgres'] as const) {
      const target = await freshTarget(dialect, postgres, 'connect');
      const { seconds } = await benchBulkConnect(target, size, report);
      await target.store.close();
      if (dialect === 'postgres') {
        report.bar({
          measure: `Bulk connect ${size.toLocaleString('en')} leads, PostgreSQL`,
          value: `${round(seconds, 2)} s`,
          bar: '< 5 s',
          met: seconds < 5,
        });
      }
    }
  }

  save('worklist');
  if (wanted('worklist')) await worklistSuite(postgres, sellers, connectionsPerSeller, report);

  save('growth');
  if (wanted('growth')) {
    await growthSuite(postgres, growthSizes, report, engine ? { size, engine } : null, {
      onPoint: () => save('growth'),
    });
    keepSeparatePoints(separateFile, report.growth, machine, loadBefore);
  }
  save('classify');

  if (wanted('classify')) {
    await benchClassifyInbound(Math.max(2, Math.min(20, Math.round(size / 5000))), report);
  }

  save(null);
} finally {
  await postgres?.stop();
}
