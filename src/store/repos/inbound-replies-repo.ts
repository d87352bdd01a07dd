import type { Kysely, Selectable } from 'kysely';
import { newId } from '../ids.ts';
import type { Database, InboundRepliesTable } from '../schema.ts';

export type InboundReplyRow = Selectable<InboundRepliesTable>;

/** Stores a reply in full; the same Message-ID arriving twice is stored once. */
export async function insertInboundReply(
  db: Kysely<Database>,
  input: Omit<InboundReplyRow, 'id'>,
): Promise<void> {
  await db
    .insertInto('inbound_replies')
    .values({ ...input, id: newId(input.received_at) })
    .onConflict((oc) => oc.columns(['org_id', 'message_id']).doNothing())
    .execute();
}

/** Whether a reply with this Message-ID is stored for the record. */
export async function hasReplyOfRecord(
  db: Kysely<Database>,
  orgId: string,
  recordId: string,
  messageId: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('inbound_replies')
    .select('id')
    .where('org_id', '=', orgId)
    .where('message_id', '=', messageId)
    .where('record_id', '=', recordId)
    .executeTakeFirst();
  return row !== undefined;
}

export async function repliesOfRecord(
  db: Kysely<Database>,
  orgId: string,
  recordId: string,
): Promise<InboundReplyRow[]> {
  return db
    .selectFrom('inbound_replies')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('record_id', '=', recordId)
    .orderBy('received_at')
    .orderBy('id')
    .limit(500)
    .execute();
}
