import { DateTime } from 'luxon';

/**
 * What a seller may do with a step instance, and the work list's time buckets. Pure: `now` and time zones are
 * arguments.
 */
export {
  allowedStepActions,
  isKnownKind,
  MANUAL_KINDS,
  OPEN_STEP_STATUSES,
  STEP_ACTIONS,
  type StepAction,
  type StepRefusal,
  stepActionRefusal,
} from './step-actions.ts';

export const WORKLIST_HORIZON_DAYS = 30;
/**
 * A step that fell due moments ago is "due now", not overdue: connecting a record makes its first step due at
 * once, and the seller looking at the list right after must not see it in red.
 */
export const OVERDUE_GRACE_MS = 15 * 60_000;

/** Whether a step is overdue at `now` (more than the grace past its due time). */
export function isOverdue(dueAt: number | null, now: number): boolean {
  return dueAt !== null && dueAt < now - OVERDUE_GRACE_MS;
}
export const DUE_BUCKETS = ['overdue', 'today', 'later'] as const;
export type DueBucket = (typeof DUE_BUCKETS)[number];

/**
 * The `due_at` range of a bucket, as [from, to) in epoch ms, in the user's time zone: overdue = before now less
 * the grace, today = from then to the user's next midnight, later = from that midnight to the 30-day horizon.
 */
export function dueRange(
  bucket: DueBucket | undefined,
  now: number,
  timeZone: string,
): { from: number | null; to: number } {
  const horizon = now + WORKLIST_HORIZON_DAYS * 86_400_000;
  const local = DateTime.fromMillis(now, { zone: timeZone });
  const zoned = local.isValid ? local : DateTime.fromMillis(now, { zone: 'UTC' });
  const endOfToday = zoned.startOf('day').plus({ days: 1 }).toMillis();
  switch (bucket) {
    case undefined:
      return { from: null, to: horizon };
    case 'overdue':
      return { from: null, to: now - OVERDUE_GRACE_MS };
    case 'today':
      return { from: now - OVERDUE_GRACE_MS, to: endOfToday };
    case 'later':
      return { from: endOfToday, to: horizon };
  }
}

/** Whole days from `since` to `now` (0 on the first day). */
export function daysSince(since: number, now: number): number {
  return Math.max(0, Math.floor((now - since) / 86_400_000));
}
