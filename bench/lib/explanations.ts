/**
 * What dominates where one of #17's bars is missed, keyed by the start of the bar's measure. Written from
 * profiles of this code (`node --cpu-prof` on the worker, per-statement timing); BENCHMARKS.md prints the entry
 * for every missed bar.
 */
export const EXPLANATIONS: Record<string, string> = {
  'PostgreSQL, 1 worker: transitions/s ÷ graphile-worker no-op': 'TODO',
  'PostgreSQL, 3 workers: transitions/s ÷ graphile-worker no-op': 'TODO',
  'PostgreSQL, 1 worker: transitions/s ÷ the same sequence': 'TODO',
  'PostgreSQL, 3 workers: transitions/s ÷ the same sequence': 'TODO',
  'SQLite: transitions/s': 'TODO',
  'Bulk connect': 'TODO',
  'Peak RSS of one worker': 'TODO',
  '`serve` RSS': 'TODO',
  'GET /api/worklist': 'TODO',
};
