import { describe, expect, it } from 'vitest';
import { rate, successReasonsFor, trendPeriodDays } from './insights.ts';

describe('insights maths', () => {
  it('computes rates without dividing by zero', () => {
    expect(rate(1, 3)).toBe(0.3333);
    expect(rate(0, 0)).toBe(0);
  });
  it('treats qualification as success for leads and winning for opportunities', () => {
    expect(successReasonsFor('lead')).toEqual(['record_qualified']);
    expect(successReasonsFor('opportunity')).toEqual(['record_won']);
  });
  it('buckets long windows monthly', () => {
    expect(trendPeriodDays(30)).toBe(7);
    expect(trendPeriodDays(365)).toBe(30);
  });
});
