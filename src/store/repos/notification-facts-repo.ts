import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

/** Who sent an outbound email (the user told about its bounce). */
export async function senderOfMessage(
  db: Kysely<Database>,
  orgId: string,
  outboundMessageId: string,
): Promise<string | undefined> {
  const row = await db
    .selectFrom('outbound_messages')
    .select('sender_user_id')
    .where('org_id', '=', orgId)
    .where('id', '=', outboundMessageId)
    .executeTakeFirst();
  return row?.sender_user_id;
}
