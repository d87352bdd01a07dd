import type { Machine } from './env.ts';
import type { Figure } from './report.ts';

const COMMANDS: Record<string, string> = {
  '1. Bulk connect': 'npm run bench -- --only connect',
  '2. Engine throughput': 'npm run bench -- --only engine',
  Baseline: 'npm run bench -- --only engine',
  '3. Work list first page': 'npm run bench -- --only worklist',
  '4. API under load': 'npm run bench -- --only worklist',
  '5. Memory': 'npm run bench -- --only engine,worklist',
};

export function renderMarkdown(input: {
  machine: Machine;
  figures: Figure[];
  ratios: string[];
  minutes: number;
  size: number;
  sellers: number;
  connectionsPerSeller: number;
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
    `Sizes: ${input.size.toLocaleString('en')} records/connections; work list ${input.sellers} sellers × ${input.connectionsPerSeller} connections × 4 step instances. Whole run: ${input.minutes} min.`,
    '',
    'Every figure is re-measured by the command in the last table; baselines run in the same process, on the same',
    'PostgreSQL server and the same disk, so ratios compare like with like. Timed unit tests do not exist; `npm test`',
    'runs small versions of these scenarios only to check that they are correct.',
    '',
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
