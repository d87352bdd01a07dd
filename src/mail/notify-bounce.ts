import type { Kysely } from 'kysely';
import { notificationKey } from '../domain/notifications/kinds.ts';
import { senderOfMessage } from '../store/repos/notification-facts-repo.ts';
import { insertNotification, recordOwnerOf } from '../store/repos/notifications-repo.ts';
import type { Database } from '../store/schema.ts';
import type { MessageRef } from './engagement.ts';

/**
 * "An email of mine bounced": the sender of the email is told (the bell), once per email however many bounce
 * reports arrive or by which path (the dedupe key). Called by the bounce intake in its transaction.
 */
export async function notifyBounce(
  db: Kysely<Database>,
  message: MessageRef,
  detail: { hard: boolean; status: string; reason: string },
  now: number,
): Promise<void> {
  const senderId = await senderOfMessage(db, message.org_id, message.id);
  if (!senderId) return;
  const record = message.record_id ? await recordOwnerOf(db, message.org_id, message.record_id) : undefined;
  await insertNotification(db, {
    orgId: message.org_id,
    userId: senderId,
    kind: 'bounce',
    recordId: message.record_id,
    summary: `Email to ${record?.name ?? message.to_address} bounced (${detail.status} ${detail.reason}): ${message.subject}`,
    data: { outboundMessageId: message.id, hard: detail.hard, status: detail.status },
    now,
    dedupeKey: notificationKey.bounce(message.id),
  });
}
