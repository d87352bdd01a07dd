/**
 * What a user is told about (the bell in the header, and optionally an email digest). Pure.
 * - reply: a prospect replied to an email of a record you own;
 * - email_held: an automated email of yours is held (a placeholder has no value);
 * - bounce: an email of yours bounced;
 * - step_assigned: a manual step became yours (the sequence put it in your work list, or a colleague handed it
 *   to you);
 * - step_overdue: a manual step of yours is overdue (raised once per step and due time by the worker).
 */
export const NOTIFICATION_KINDS = ['reply', 'email_held', 'bounce', 'step_assigned', 'step_overdue'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export function isNotificationKind(value: unknown): value is NotificationKind {
  return typeof value === 'string' && (NOTIFICATION_KINDS as readonly string[]).includes(value);
}

/** Dedupe keys: the same fact raised twice (two workers, a retried intake) is one notification. */
export const notificationKey = {
  bounce: (outboundMessageId: string) => `bounce:${outboundMessageId}`,
  stepAssigned: (connectionId: string, nodeId: string, ownerId: string) =>
    `step_assigned:${connectionId}:${nodeId}:${ownerId}`,
  /**
   * Once per step and due time: a step snoozed after it was announced is announced again when the snooze runs
   * out. (Keys written before the due time was part of them, `step_overdue:<step>`, still count for that step.)
   */
  stepOverdue: (stepId: string, dueAt: number) => `step_overdue:${stepId}@${Number(dueAt)}`,
};
