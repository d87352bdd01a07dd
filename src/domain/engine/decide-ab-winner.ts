import type { AbTest } from '../sequence/definition.ts';

/** What one variant of an A/B-tested email step achieved so far (sent emails; distinct messages with the result). */
export interface VariantFigures {
  variant: string;
  sent: number;
  opened: number;
  clicked: number;
  replied: number;
}

export type AbDecision =
  | {
      kind: 'winner';
      variant: string;
      metric: AbTest['winnerMetric'];
      z: number;
      rates: Record<string, number>;
    }
  | {
      kind: 'undecided';
      reason: 'end_not_reached' | 'not_significant';
      z: number | null;
      rates: Record<string, number>;
    };

/** z above which the leader is significantly better than the runner-up: two-sided test at 95 %. */
export const Z_CRITICAL = 1.96;

const SUCCESSES: Record<AbTest['winnerMetric'], (f: VariantFigures) => number> = {
  opens: (f) => f.opened,
  clicks: (f) => f.clicked,
  replies: (f) => f.replied,
};

/** Pooled two-proportion z statistic of a over b (0 when there is nothing to compare). */
export function twoProportionZ(successA: number, sentA: number, successB: number, sentB: number): number {
  if (sentA === 0 || sentB === 0) return 0;
  const pooled = (successA + successB) / (sentA + sentB);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / sentA + 1 / sentB));
  if (se === 0) return 0;
  return (successA / sentA - successB / sentB) / se;
}

/**
 * Whether an A/B test has a winner now. The end rule decides when to look: `auto` once every variant in the
 * split has `minRecipients` sent emails, `date` once `at` has passed. Then the variant with the best rate of the
 * winner metric wins if a two-proportion z-test against the runner-up is significant (z ≥ 1.96, 95 % two-sided);
 * otherwise the split goes on and the question is asked again as more results come in. Pure.
 */
export function decideAbWinner(test: AbTest, figures: VariantFigures[], now: number): AbDecision {
  const success = SUCCESSES[test.winnerMetric];
  const inSplit = test.variants.filter((v) => v.split > 0);
  const byVariant = new Map(figures.map((f) => [f.variant, f] as const));
  const rows = inSplit.map(
    (v) => byVariant.get(v.id) ?? { variant: v.id, sent: 0, opened: 0, clicked: 0, replied: 0 },
  );
  const rates = Object.fromEntries(rows.map((f) => [f.variant, f.sent === 0 ? 0 : success(f) / f.sent]));
  const ended =
    test.end.type === 'auto'
      ? rows.length >= 2 &&
        rows.every((f) => f.sent >= (test.end.type === 'auto' ? test.end.minRecipients : 0))
      : now >= Date.parse(test.end.at);
  if (!ended || rows.length < 2) return { kind: 'undecided', reason: 'end_not_reached', z: null, rates };
  const ranked = [...rows].sort((a, b) => (rates[b.variant] ?? 0) - (rates[a.variant] ?? 0));
  const [leader, runnerUp] = ranked as [VariantFigures, VariantFigures];
  const z = twoProportionZ(success(leader), leader.sent, success(runnerUp), runnerUp.sent);
  if (z < Z_CRITICAL) return { kind: 'undecided', reason: 'not_significant', z, rates };
  return { kind: 'winner', variant: leader.variant, metric: test.winnerMetric, z, rates };
}
