import { DateTime } from 'luxon';
import type { NodeKind } from '../sequence/definition.ts';
import { isManualKind, NODE_KINDS } from '../sequence/graph.ts';

/**
 * What a seller may do with a step instance, and the work list's time buckets. Pure: `now` and time zones are
 * arguments.
 */
export const STEP_ACTIONS = ['complete', 'skip', 'snooze', 'skip_wait', 'assign', 'read'] as const;
export type StepAction = (typeof STEP_ACTIONS)[number];

export const OPEN_STEP_STATUSES = ['upcoming', 'due', 'waiting'] as const;
export const MANUAL_KINDS = (Object.keys(NODE_KINDS) as NodeKind[]).filter((kind) => isManualKind(kind));

export function isKnownKind(kind: string): kind is NodeKind {
  return Object.hasOwn(NODE_KINDS, kind);
}

/** The actions a step allows in its current status; the step routes refuse anything else with 422. */
export function allowedStepActions(kind: string, status: string): StepAction[] {
  if (!isKnownKind(kind)) return [];
  if (kind === 'wait') return status === 'waiting' ? ['skip_wait'] : [];
  if (status !== 'due') return [];
  if (isManualKind(kind)) {
    const actions: StepAction[] = ['complete', 'skip'];
    if (kind !== 'task') actions.push('snooze');
    actions.push('assign', 'read');
    return actions;
  }
  return [];
}

export type StepRefusal = 'step_not_open' | 'not_allowed_for_kind' | 'outcome_required';

/** Why `action` is refused on this step (null: allowed). Phone calls need an outcome to be completed. */
export function stepActionRefusal(
  action: StepAction,
  step: { kind: string; status: string },
  input: { outcome?: string | undefined } = {},
): StepRefusal | null {
  if (!(OPEN_STEP_STATUSES as readonly string[]).includes(step.status)) return 'step_not_open';
  if (!allowedStepActions(step.kind, step.status).includes(action)) return 'not_allowed_for_kind';
  if (action === 'complete' && step.kind === 'phone_call' && !input.outcome) return 'outcome_required';
  return null;
}

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
