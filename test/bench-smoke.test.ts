import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { benchNaiveGraphile } from '../bench/baselines/naive-graphile.ts';
import { benchRawSqlite } from '../bench/baselines/raw-sqlite.ts';
import type { Explanation } from '../bench/lib/explanations.ts';
import { growthSvg } from '../bench/lib/growth-chart.ts';
import { renderMarkdown } from '../bench/lib/markdown.ts';
import { type Bar, type GrowthPoint, Report } from '../bench/lib/report.ts';
import {
  keepSeparatePoints,
  readSeparatePoints,
  separateGrowthFile,
  withSeparatePoints,
} from '../bench/lib/separate-growth.ts';
import type { Target } from '../bench/lib/target.ts';
import { benchApiLoadAndWorklist } from '../bench/scenarios/api-load.ts';
import { benchBulkConnect } from '../bench/scenarios/bulk-connect.ts';
import { benchClassifyInbound } from '../bench/scenarios/classify-inbound.ts';
import { benchEngineThroughput } from '../bench/scenarios/engine-throughput.ts';
import { type DialectName, openStore } from '../src/store/db.ts';
import { migrateToLatest } from '../src/store/migrate.ts';
import { createPostgresDatabase } from './support/databases.ts';

/**
 * The benchmark scenarios at a few hundred rows, as correctness checks only (no timing is asserted): every
 * lead connected, every queued email received by the SMTP sink exactly once, the work list answering 200 for
 * every filter and under load. The scenarios themselves throw when their own checks fail.
 */
const targets: Target[] = [];

async function target(dialect: DialectName): Promise<Target> {
  const url =
    dialect === 'postgres'
      ? await createPostgresDatabase()
      : `sqlite:/tmp/stepwise-bench-smoke-${randomUUID()}.db`;
  const store = openStore(url, { poolSize: 5 });
  await migrateToLatest(store.db);
  const t = { dialect, store, url };
  targets.push(t);
  return t;
}

afterEach(async () => {
  for (const t of targets.splice(0)) await t.store.close();
});

const figure = (report: Report, metric: string) => report.figures.find((f) => f.metric === metric);

describe.each(['sqlite', 'postgres'] as const)('benchmark scenarios, small (%s)', (dialect) => {
  it('bulk connect connects every lead', async () => {
    const report = new Report();
    await benchBulkConnect(await target(dialect), 300, report);
    expect(figure(report, 'throughput')?.value).toBeGreaterThan(0);
  });

  it('engine throughput: every connection advances and the sink receives every email exactly once', async () => {
    const report = new Report();
    const result = await benchEngineThroughput(
      await target(dialect),
      200,
      dialect === 'postgres' ? 2 : 1,
      report,
      {
        deliverMail: true,
      },
    );
    const received = figure(report, 'SMTP messages received by the sink');
    expect(received?.value).toBe('200 (duplicates: 0)');
    expect(received?.met).toBe(true);
    expect(result.census.outbound_messages).toBe(200);
    // Memory sampled from the real worker processes: /proc/PID/status and the preloaded heap probe.
    expect(result.worker.peakRssMiB).toBeGreaterThan(30);
    expect(result.worker.peakHeapMiB).toBeGreaterThan(1);
    expect(result.worker.peakHeapMiB!).toBeLessThan(result.worker.peakRssMiB!);
    if (dialect === 'postgres') {
      // The naive graphile-worker sequence writes the same rows for the same backlog, in its own processes.
      const naive = await benchNaiveGraphile(await target(dialect), 200, 2, report, { concurrency: 4 });
      expect(naive.census).toEqual({
        step_instances: result.census.step_instances,
        outbound_messages: 200,
        timeline_events: result.census.timeline_events,
      });
      expect(naive.transitionsPerSecond).toBeGreaterThan(0);
      expect(naive.worker.peakRssMiB).toBeGreaterThan(30);
      expect(naive.worker.peakHeapMiB).toBeGreaterThan(1);
    }
    if (dialect === 'sqlite') {
      const ceiling = await benchRawSqlite(200, result.census, report);
      expect(ceiling.rowsPerSecondAsTransitions).toBeGreaterThan(0);
    }
  }, 90_000);
});

describe('work list and API load, small (sqlite)', () => {
  it('answers 200 for every filter and under load', async () => {
    const report = new Report();
    const figures = await benchApiLoadAndWorklist(await target('sqlite'), 4, 10, report, {
      samplesPerFilter: 3,
      loadSeconds: 1,
    });
    const load = report.figures.filter((f) => f.scenario === '4. API under load');
    expect(load).toHaveLength(2);
    for (const f of load) expect(f.note).toBe('non-2xx 0, errors 0');
    expect(report.figures.filter((f) => f.scenario === '3. Work list first page')).toHaveLength(9);
    expect(figures.memory.rssMiB).toBeGreaterThan(30);
    expect(figures.memory.peakHeapMiB).toBeGreaterThan(1);
    expect(figures.load.failures).toBe(0);
    expect(figures.load.requestsPerSecond).toBeGreaterThan(0);
  }, 90_000);
});

describe('inbound classification benchmark, small', () => {
  it('classifies the corpus and reports messages per second', async () => {
    const report = new Report();
    const { perSecond } = await benchClassifyInbound(1, report);
    expect(perSecond).toBeGreaterThan(0);
    expect(figure(report, 'messages/s')?.unit).toBe('msg/CPU-s');
  });
});

/** BENCHMARKS.md for a run with these bars and growth points (the rest of the run left empty). */
function render(input: { bars: Bar[]; growth: GrowthPoint[]; explanations?: Record<string, Explanation> }) {
  return renderMarkdown({
    machine: { cpu: 'x', cores: 2, memoryGiB: 1, node: 'v20', os: 'linux', date: 'd', commit: 'c' },
    figures: [],
    ratios: [],
    minutes: 1,
    size: 100_000,
    sellers: 1000,
    connectionsPerSeller: 250,
    load: { before: '1 1 1', after: '1 1 1' },
    bars: input.bars,
    growth: input.growth,
    chartFile: 'benchmarks-growth.svg',
    explanations: input.explanations ?? {},
  });
}

describe('the report', () => {
  it("marks each of the issue's bars met or missed and draws the growth chart", () => {
    const report = new Report();
    report.bar({
      measure: 'Bulk connect 100,000 leads, PostgreSQL',
      value: '4.2 s',
      bar: '< 5 s',
      met: true,
    });
    report.bar({
      measure: 'Peak RSS of one worker at 100,000 due',
      value: '250 MiB',
      bar: '≤ 200 MiB',
      met: false,
    });
    const points = [10_000, 100_000].map((connections, i) => ({
      connections,
      transitionsPerSecond: 4000 - i * 100,
      msPer1000Transitions: 250 + i * 6,
      worklistP99: 20 + i,
      worklistLoadP99: 120 + i,
    }));
    const markdown = render({
      bars: report.bars,
      growth: points,
      explanations: {
        'Peak RSS of one worker': ['what dominates', 'first point', 'second point'],
        'Bulk connect': 'met, so not explained',
      },
    });
    expect(markdown).toContain('| Bulk connect 100,000 leads, PostgreSQL | 4.2 s | < 5 s | ✅ met |');
    expect(markdown).toContain('| Peak RSS of one worker at 100,000 due | 250 MiB | ≤ 200 MiB | ❌ missed |');
    // Only missed bars are explained; an explanation's points are nested under its summary.
    expect(markdown).toContain(
      '- **Peak RSS of one worker:** what dominates\n  - first point\n  - second point\n',
    );
    expect(markdown).not.toContain('met, so not explained');
    expect(markdown).toContain('](benchmarks-growth.svg)');
    const svg = growthSvg(points);
    expect(svg.match(/<polyline/g)).toHaveLength(3);
    expect(svg).toContain('100k');
  });
});

const machine = (commit: string, date: string) => ({
  cpu: 'x',
  cores: 2,
  memoryGiB: 1,
  node: 'v20',
  os: 'linux',
  date,
  commit,
});
const point = (connections: number, ms: number): GrowthPoint => ({
  connections,
  transitionsPerSecond: Math.round(1_000_000 / ms),
  msPer1000Transitions: ms,
  worklistP99: 20,
  worklistLoadP99: 120,
});

describe('growth sizes measured outside the default run', () => {
  let dir = '';
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = '';
  });

  it('are kept by the run that measured them and shown, labelled, by later default runs', () => {
    dir = mkdtempSync(join(tmpdir(), 'stepwise-growth-'));
    const file = separateGrowthFile(join(dir, 'BENCHMARKS.md'));
    expect(file).toBe(join(dir, 'benchmarks-growth-separate.json'));

    // A `--growth 1000000` run keeps its 1,000,000 point (default sizes and smaller ones are not kept).
    keepSeparatePoints(
      file,
      [point(1_000, 70), point(100_000, 50), point(1_000_000, 60)],
      machine('abc1234', 'day one'),
      '3 2 1',
    );
    expect(readSeparatePoints(file).map((p) => p.connections)).toEqual([1_000_000]);

    // A later default run measures 10,000 and 100,000 only; the kept point joins them, marked.
    const growth = withSeparatePoints([point(10_000, 55), point(100_000, 50)], readSeparatePoints(file));
    expect(growth.map((p) => p.connections)).toEqual([10_000, 100_000, 1_000_000]);
    const markdown = render({ bars: [], growth });
    expect(markdown).toContain('| 1,000,000 (separate run, abc1234) | 16,667 | 60 ms |');
    expect(markdown).toContain('| 100,000 | 20,000 | 50 ms |');
    expect(markdown).toContain('measured by a separate run at commit `abc1234` on day one');

    // A newer separate run of the same size replaces the kept point; a run that measures it itself wins.
    keepSeparatePoints(file, [point(1_000_000, 58)], machine('fff0000', 'day three'), '1 1 1');
    const kept = readSeparatePoints(file);
    expect(kept).toHaveLength(1);
    expect(kept[0]?.separateRun.commit).toBe('fff0000');
    expect(withSeparatePoints([point(1_000_000, 70)], kept)).toEqual([point(1_000_000, 70)]);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toHaveLength(1);
  });
});
