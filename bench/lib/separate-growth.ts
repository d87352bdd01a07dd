import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import type { Machine } from './env.ts';
import type { GrowthPoint } from './report.ts';

/**
 * Growth sizes outside the default run (1,000,000 takes longer than the rest of the run together). A run that
 * measures such a size keeps its point in a file beside BENCHMARKS.md, with the commit, date and load it was
 * measured at; later default runs print it in the growth table and chart, labelled as a separate run, so nobody
 * edits BENCHMARKS.md by hand and nobody mistakes an older point for one of this run.
 */
export const DEFAULT_GROWTH_SIZES = [10_000, 100_000] as const;

export type SeparateRun = NonNullable<GrowthPoint['separateRun']>;

export type CarriedPoint = GrowthPoint & { separateRun: SeparateRun };

/** `BENCHMARKS.md` → `benchmarks-growth-separate.json` in the same folder. */
export function separateGrowthFile(out: string): string {
  return join(dirname(out), `${basename(out, '.md').toLowerCase()}-growth-separate.json`);
}

const nullableNumber = z.number().nullable();
/** The file's shape: what `keepSeparatePoints` writes (checked on read, so a hand edit cannot go in half-right). */
const CarriedPoints = z.array(
  z.object({
    connections: z.number().int().positive(),
    transitionsPerSecond: nullableNumber,
    msPer1000Transitions: nullableNumber,
    worklistP99: nullableNumber,
    worklistLoadP99: nullableNumber,
    separateRun: z.object({ commit: z.string(), date: z.string(), load: z.string() }),
  }),
);

export function readSeparatePoints(file: string): CarriedPoint[] {
  if (!existsSync(file)) return [];
  const parsed = CarriedPoints.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file}: not a list of kept growth points: ${parsed.error.message}`);
  return parsed.data;
}

/** Keeps this run's points of sizes beyond the default run (replacing older points of the same size). */
export function keepSeparatePoints(
  file: string,
  points: GrowthPoint[],
  machine: Machine,
  load: string,
): void {
  // Only sizes beyond the default run's largest: a quick run at small sizes is not for the record.
  const largest = Math.max(...DEFAULT_GROWTH_SIZES);
  const separate = points.filter((p) => p.connections > largest && !p.separateRun);
  if (separate.length === 0) return;
  const sizes = new Set(separate.map((p) => p.connections));
  const kept = [
    ...readSeparatePoints(file).filter((p) => !sizes.has(p.connections)),
    ...separate.map((p) => ({ ...p, separateRun: { commit: machine.commit, date: machine.date, load } })),
  ].sort((a, b) => a.connections - b.connections);
  writeFileSync(file, `${JSON.stringify(kept, null, 2)}\n`);
}

/** This run's points, plus kept points of sizes this run did not measure. */
export function withSeparatePoints(points: GrowthPoint[], kept: CarriedPoint[]): GrowthPoint[] {
  const measured = new Set(points.map((p) => p.connections));
  return [...points, ...kept.filter((p) => !measured.has(p.connections))].sort(
    (a, b) => a.connections - b.connections,
  );
}
