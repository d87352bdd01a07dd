import { describe, expect, it } from 'vitest';
import type { AbTest } from '../sequence/definition.ts';
import { decideAbWinner, twoProportionZ } from './decide-ab-winner.ts';

const test = (end: AbTest['end'], metric: AbTest['winnerMetric'] = 'replies'): AbTest => ({
  variants: [
    { id: 'A', templateId: 't-a', split: 50 },
    { id: 'B', templateId: 't-b', split: 50 },
  ],
  winnerMetric: metric,
  end,
});
const fig = (variant: string, sent: number, replied: number, opened = 0) => ({
  variant,
  sent,
  opened,
  clicked: 0,
  replied,
});

describe('decideAbWinner', () => {
  it('waits until every variant reached the minimum number of sends', () => {
    const decision = decideAbWinner(
      test({ type: 'auto', minRecipients: 100 }),
      [fig('A', 100, 40), fig('B', 99, 2)],
      0,
    );
    expect(decision).toMatchObject({ kind: 'undecided', reason: 'end_not_reached' });
  });

  it('picks the variant with the significantly better rate of the chosen metric', () => {
    const decision = decideAbWinner(
      test({ type: 'auto', minRecipients: 100 }),
      [fig('A', 120, 10), fig('B', 100, 30)],
      0,
    );
    expect(decision).toMatchObject({ kind: 'winner', variant: 'B', metric: 'replies' });
    if (decision.kind === 'winner') expect(decision.z).toBeGreaterThan(1.96);
  });

  it('keeps splitting when the difference is not significant', () => {
    const decision = decideAbWinner(
      test({ type: 'auto', minRecipients: 100 }),
      [fig('A', 100, 10), fig('B', 100, 13)],
      0,
    );
    expect(decision).toMatchObject({ kind: 'undecided', reason: 'not_significant' });
  });

  it('uses the metric the test names (opens here, where replies would say nothing)', () => {
    const decision = decideAbWinner(
      test({ type: 'auto', minRecipients: 50 }, 'opens'),
      [fig('A', 60, 0, 40), fig('B', 60, 0, 10)],
      0,
    );
    expect(decision).toMatchObject({ kind: 'winner', variant: 'A', metric: 'opens' });
  });

  it('with a date rule, decides only once the date has passed', () => {
    const rule = test({ type: 'date', at: '2026-03-01T00:00:00Z' });
    const figures = [fig('A', 30, 15), fig('B', 30, 2)];
    expect(decideAbWinner(rule, figures, Date.parse('2026-02-28T23:59:00Z'))).toMatchObject({
      kind: 'undecided',
      reason: 'end_not_reached',
    });
    expect(decideAbWinner(rule, figures, Date.parse('2026-03-01T00:00:00Z'))).toMatchObject({
      kind: 'winner',
      variant: 'A',
    });
  });

  it('computes the pooled two-proportion z statistic', () => {
    expect(twoProportionZ(30, 100, 10, 100)).toBeCloseTo(3.536, 3);
    expect(twoProportionZ(0, 0, 1, 10)).toBe(0);
  });
});
