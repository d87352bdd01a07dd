import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';
import type { OutboundRow } from './claim-messages.ts';

/**
 * Emails held because their mailbox's SMTP server refused its sign-in (their hold reason starts with `prefix`):
 * one sender's, or — `senderUserId` null, a change of the org relay — every sender's of the organisation.
 */
export async function heldForSignIn(
  db: Kysely<Database>,
  orgId: string,
  senderUserId: string | null,
  prefix: string,
): Promise<OutboundRow[]> {
  let query = db
    .selectFrom('outbound_messages')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('status', '=', 'held')
    .where('hold_reason', 'like', `${prefix}%`);
  if (senderUserId !== null) query = query.where('sender_user_id', '=', senderUserId);
  return query.orderBy('created_at').orderBy('id').execute();
}
