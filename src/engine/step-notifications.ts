import type { Kysely } from 'kysely';
import { assignedSteps } from '../domain/notifications/assigned-steps.ts';
import { notificationKey } from '../domain/notifications/kinds.ts';
import { insertNotifications, type NotificationInput } from '../store/repos/notifications-repo.ts';
import type { Database } from '../store/schema.ts';
import { type Advanced, connectedEventId } from './write-effects.ts';

/**
 * "A step was assigned to me": one multi-row insert per engine batch, in its transaction, for the manual steps
 * that became someone's work (src/domain/notifications/assigned-steps.ts). Keyed by connection, node and owner,
 * so a batch retried after a crash, or the same step reached twice, tells the owner once.
 */
export async function notifyAssignedSteps(
  db: Kysely<Database>,
  advanced: readonly Advanced[],
  now: number,
): Promise<void> {
  const inputs: NotificationInput[] = [];
  for (const a of advanced) {
    const c = a.connection;
    const effects = a.effects.map((entry) => entry.effect);
    const connecting = a.effects.some((entry) => entry.eventId === connectedEventId(c.id));
    const acting = connecting && c.connected_by ? [c.connected_by] : [];
    for (const step of assignedSteps(effects, c.owner_id, acting)) {
      inputs.push({
        orgId: c.org_id,
        userId: step.ownerId,
        kind: 'step_assigned',
        recordId: c.record_id,
        summary: step.assignedBy
          ? `Step assigned to you: ${step.name} for ${a.record.name}`
          : `New step for you: ${step.name} for ${a.record.name}`,
        data: { connectionId: c.id, nodeId: step.nodeId, assignedBy: step.assignedBy },
        now,
        dedupeKey: notificationKey.stepAssigned(c.id, step.nodeId, step.ownerId),
      });
    }
  }
  await insertNotifications(db, inputs);
}
