import type { Kysely } from 'kysely';
import { notificationKey } from '../domain/notifications/index.ts';
import { MANUAL_KINDS, OVERDUE_GRACE_MS } from '../domain/worklist/steps.ts';
import { insertNotifications } from '../store/repos/notifications-repo.ts';
import { overdueStepsWithoutNotice } from '../store/repos/overdue-steps-repo.ts';
import type { Database } from '../store/schema.ts';

/** Steps overdue longer than this when first checked (a worker down for days) are not announced any more. */
export const OVERDUE_LOOKBACK_MS = 7 * 86_400_000;
const BATCH = 500;

/**
 * "A manual step of mine became overdue": raised by the worker's periodic check (not by page views), once per
 * step and due time (a snooze that runs out is news again) — the notification's unique key decides, so several
 * workers checking at once write it once. Overdue means what the work list shows in red: due more than the grace
 * period ago.
 */
export async function raiseOverdueNotices(db: Kysely<Database>, now: number): Promise<number> {
  let raised = 0;
  for (;;) {
    const steps = await overdueStepsWithoutNotice(db, {
      cutoff: now - OVERDUE_GRACE_MS,
      lookbackMs: OVERDUE_LOOKBACK_MS,
      kinds: MANUAL_KINDS,
      limit: BATCH,
    });
    if (steps.length === 0) return raised;
    raised += await insertNotifications(
      db,
      steps.map((step) => ({
        orgId: step.org_id,
        userId: step.owner_id,
        kind: 'step_overdue' as const,
        recordId: step.record_id,
        summary: `Overdue: ${step.name} for ${step.record_name}`,
        data: { stepId: step.id, dueAt: step.due_at },
        now,
        dedupeKey: notificationKey.stepOverdue(step.id, step.due_at),
      })),
    );
    if (steps.length < BATCH) return raised;
  }
}
