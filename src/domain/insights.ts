import type { RecordType } from './sequence/definition.ts';

/** Insight windows the UI offers (SPEC.md §8). */
export const INSIGHT_WINDOWS = [30, 90, 180, 365] as const;
export type InsightWindow = (typeof INSIGHT_WINDOWS)[number];

/** What counts as success for a sequence of this record type: the connection ended because the record moved on. */
export function successReasonsFor(recordType: RecordType): string[] {
  switch (recordType) {
    case 'lead':
      return ['record_qualified'];
    case 'opportunity':
      return ['record_won'];
    case 'contact':
    case 'account':
      return ['completed', 'replied'];
  }
}

/** A share as a fraction rounded to 4 places; 0 when nothing was counted. */
export function rate(part: number, whole: number): number {
  return whole === 0 ? 0 : Math.round((part / whole) * 10_000) / 10_000;
}

/** Trend buckets: weekly for 30/90 days, monthly-ish (30 days) beyond. */
export function trendPeriodDays(window: InsightWindow): number {
  return window <= 90 ? 7 : 30;
}
