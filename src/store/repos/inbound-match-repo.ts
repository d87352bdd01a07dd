import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

/**
 * Matching inbound mail to the email we sent, beyond Message-IDs: our own `X-Stepwise-Message` id found in the
 * returned content, and as a last resort the failed recipient among the organisation's recent sends. Always
 * scoped to the organisation (and to one seller when the message came through that seller's mailbox).
 */

export interface MatchScope {
  orgId: string;
  senderUserId?: string | null;
}

export async function findMessageByIds(db: Kysely<Database>, scope: MatchScope, ids: string[]) {
  if (ids.length === 0) return undefined;
  let query = db
    .selectFrom('outbound_messages')
    .selectAll()
    .where('org_id', '=', scope.orgId)
    .where('id', 'in', ids.slice(0, 20));
  if (scope.senderUserId) query = query.where('sender_user_id', '=', scope.senderUserId);
  const rows = await query.execute();
  for (const id of ids) {
    const row = rows.find((r) => r.id === id);
    if (row) return row;
  }
  return undefined;
}

/** The most recent email sent to one of these addresses since `since` (ms). */
export async function findRecentSentTo(
  db: Kysely<Database>,
  scope: MatchScope,
  addresses: string[],
  since: number,
) {
  const wanted = [...new Set(addresses.map((a) => a.trim().toLowerCase()).filter(Boolean))].slice(0, 20);
  if (wanted.length === 0) return undefined;
  let query = db
    .selectFrom('outbound_messages')
    .selectAll()
    .where('org_id', '=', scope.orgId)
    .where('status', '=', 'sent')
    .where('sent_at', '>=', since)
    .where((eb) => eb(eb.fn('lower', ['to_address']), 'in', wanted));
  if (scope.senderUserId) query = query.where('sender_user_id', '=', scope.senderUserId);
  return query.orderBy('sent_at', 'desc').limit(1).executeTakeFirst();
}

/** The emails sent to one of these addresses since `since` (ms), the most recent first, at most `limit`. */
export async function listRecentSentTo(
  db: Kysely<Database>,
  scope: MatchScope,
  addresses: string[],
  since: number,
  limit: number,
) {
  const wanted = [...new Set(addresses.map((a) => a.trim().toLowerCase()).filter(Boolean))].slice(0, 20);
  if (wanted.length === 0) return [];
  let query = db
    .selectFrom('outbound_messages')
    .selectAll()
    .where('org_id', '=', scope.orgId)
    .where('status', '=', 'sent')
    .where('sent_at', '>=', since)
    .where((eb) => eb(eb.fn('lower', ['to_address']), 'in', wanted));
  if (scope.senderUserId) query = query.where('sender_user_id', '=', scope.senderUserId);
  return query.orderBy('sent_at', 'desc').limit(limit).execute();
}
