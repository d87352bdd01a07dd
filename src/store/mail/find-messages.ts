import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

/** Finding outbox messages (by id, by Message-ID) and canceling a record pending ones. */

export async function findMessage(db: Kysely<Database>, orgId: string, id: string) {
  return db
    .selectFrom('outbound_messages')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/**
 * The email a reply or bounce refers to, looked up ONLY among the messages of the organisation the inbound mail
 * came in through (and, for a seller's own mailbox, only among that seller's emails): a forged reply posted with
 * one organisation's credentials can never touch another's messages.
 */
export async function findMessageByMessageIds(
  db: Kysely<Database>,
  scope: { orgId: string; senderUserId?: string | null },
  messageIds: string[],
) {
  if (messageIds.length === 0) return undefined;
  let query = db
    .selectFrom('outbound_messages')
    .selectAll()
    .where('org_id', '=', scope.orgId)
    .where('message_id', 'in', messageIds.slice(0, 50));
  if (scope.senderUserId) query = query.where('sender_user_id', '=', scope.senderUserId);
  const rows = await query.execute();
  // The most specific reference wins: In-Reply-To comes first in the list.
  for (const id of messageIds) {
    const row = rows.find((r) => r.message_id === id);
    if (row) return row;
  }
  return undefined;
}

/** Cancels a record's messages that have not left yet (do-not-email, unsubscribe, hard bounce). */
export async function cancelPendingForRecord(
  db: Kysely<Database>,
  orgId: string,
  recordId: string,
  reason: string,
  now: number,
): Promise<number> {
  const result = await db
    .updateTable('outbound_messages')
    .set({ status: 'canceled', last_error: reason, hold_reason: null, updated_at: now })
    .where('org_id', '=', orgId)
    .where('record_id', '=', recordId)
    .where('status', 'in', ['queued', 'held'])
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
