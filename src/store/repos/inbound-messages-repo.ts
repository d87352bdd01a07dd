import type { Kysely } from 'kysely';
import type { Database, InboundMessagesTable } from '../schema.ts';

/**
 * The inbound-message log: every message intake read (any class, matched or not), raw, for 30 days. Stored here;
 * what to keep and for how long is decided in src/mail (inbound.ts, inbound-retention.ts).
 */

export type InboundMessageRow = InboundMessagesTable;
export type InboundMessageSummary = Omit<InboundMessageRow, 'raw_base64'>;

/** The kept message with this dedupe key, if any (its outcome and the email it was matched to). */
export async function findKeptInbound(db: Kysely<Database>, orgId: string, dedupeKey: string) {
  return db
    .selectFrom('inbound_messages')
    .select(['outcome', 'outbound_message_id'])
    .where('org_id', '=', orgId)
    .where('dedupe_key', '=', dedupeKey)
    .executeTakeFirst();
}

/** Keeps the message; false when the same message (same dedupe key) is already kept for this organisation. */
export async function insertInboundMessage(db: Kysely<Database>, row: InboundMessageRow): Promise<boolean> {
  const result = await db
    .insertInto('inbound_messages')
    .values(row)
    .onConflict((oc) => oc.columns(['org_id', 'dedupe_key']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

const SUMMARY_COLUMNS = [
  'org_id',
  'id',
  'dedupe_key',
  'via',
  'received_at',
  'from_address',
  'subject',
  'message_id',
  'class',
  'detail',
  'outcome',
  'reason',
  'outbound_message_id',
  'matched_by',
  'size_bytes',
] as const;

function numeric<T extends { received_at: number; size_bytes: number }>(row: T): T {
  return { ...row, received_at: Number(row.received_at), size_bytes: Number(row.size_bytes) };
}

/** Newest first; `before` is the id of the last row of the previous page (ids are time-ordered). */
export async function listInboundMessages(
  db: Kysely<Database>,
  orgId: string,
  options: { limit: number; before?: string | undefined; class?: string | undefined; q?: string | undefined },
): Promise<InboundMessageSummary[]> {
  let query = db.selectFrom('inbound_messages').select(SUMMARY_COLUMNS).where('org_id', '=', orgId);
  if (options.before) query = query.where('id', '<', options.before);
  if (options.class) query = query.where('class', '=', options.class);
  if (options.q) {
    const like = `%${options.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where((eb) =>
      eb.or([
        eb(eb.fn('lower', ['from_address']), 'like', like),
        eb(eb.fn('lower', ['subject']), 'like', like),
      ]),
    );
  }
  const rows = await query.orderBy('id', 'desc').limit(options.limit).execute();
  return rows.map(numeric);
}

export async function findInboundMessage(
  db: Kysely<Database>,
  orgId: string,
  id: string,
): Promise<InboundMessageRow | undefined> {
  const row = await db
    .selectFrom('inbound_messages')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? numeric(row) : undefined;
}

/** Deletes up to `limit` messages received before `before` (all organisations); returns how many. */
export async function deleteInboundMessagesBefore(
  db: Kysely<Database>,
  before: number,
  limit: number,
): Promise<number> {
  const old = await db
    .selectFrom('inbound_messages')
    .select(['org_id', 'id'])
    .where('received_at', '<', before)
    .limit(limit)
    .execute();
  let deleted = 0;
  for (const row of old) {
    const result = await db
      .deleteFrom('inbound_messages')
      .where('org_id', '=', row.org_id)
      .where('id', '=', row.id)
      .executeTakeFirst();
    deleted += Number(result.numDeletedRows);
  }
  return deleted;
}
