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
