import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { renderMarkdown } from '../bench/lib/markdown.ts';
import type { GrowthPoint } from '../bench/lib/report.ts';
import {
  keepSeparatePoints,
  readSeparatePoints,
  separateGrowthFile,
  withSeparatePoints,
} from '../bench/lib/separate-growth.ts';

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

let dir = '';
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

describe('growth sizes measured outside the default run', () => {
  it('are kept by the run that measured them and shown, labelled, by later default runs', () => {
    dir = mkdtempSync(join(tmpdir(), 'stepwise-growth-'));
    const file = separateGrowthFile(join(dir, 'BENCHMARKS.md'));
    expect(file).toBe(join(dir, 'benchmarks-growth-separate.json'));

    // A `--growth 1000000` run keeps its 1,000,000 point (default sizes are not kept).
    keepSeparatePoints(
      file,
      [point(100_000, 50), point(1_000_000, 60)],
      machine('abc1234', 'day one'),
      '3 2 1',
    );
    expect(readSeparatePoints(file).map((p) => p.connections)).toEqual([1_000_000]);

    // A later default run measures 10,000 and 100,000 only; the kept point joins them, marked.
    const growth = withSeparatePoints([point(10_000, 55), point(100_000, 50)], readSeparatePoints(file));
    expect(growth.map((p) => p.connections)).toEqual([10_000, 100_000, 1_000_000]);
    const markdown = renderMarkdown({
      machine: machine('def5678', 'day two'),
      figures: [],
      ratios: [],
      minutes: 1,
      size: 100_000,
      sellers: 1000,
      connectionsPerSeller: 250,
      load: { before: '1 1 1', after: '1 1 1' },
      bars: [],
      growth,
      chartFile: 'benchmarks-growth.svg',
      explanations: {},
    });
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
