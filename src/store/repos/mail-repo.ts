import { type Kysely, type Selectable, sql } from 'kysely';
import type { Store } from '../db.ts';
import { newId } from '../ids.ts';
import type { Database, EngagementType, MessageStatus, OutboundMessagesTable } from '../schema.ts';

/** Outbound messages (the outbox), engagement events and timeline rows: the mail layer's SQL. */

export type OutboundRow = Selectable<OutboundMessagesTable>;

export interface ClaimOptions {
  now: number;
  owner: string;
  leaseMs: number;
  limit: number;
}

/**
 * Claims due messages with a lease: queued ones whose `not_before` has come, and `sending` ones whose lease
 * expired (a worker died inside the SMTP exchange; they are retried with the same Message-ID).
 * PostgreSQL: `FOR UPDATE SKIP LOCKED`, so many workers share the outbox. SQLite: one process owns delivery.
 */
export async function claimDueMessages(store: Store, options: ClaimOptions): Promise<OutboundRow[]> {
  const { now, owner, leaseMs, limit } = options;
  return store.db.transaction().execute(async (trx) => {
    let query = trx
      .selectFrom('outbound_messages')
      .select(['org_id', 'id'])
      .where((eb) =>
        eb.or([
          eb.and([
            eb('status', '=', 'queued'),
            eb('not_before', '<=', now),
            eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]),
          ]),
          eb.and([eb('status', '=', 'sending'), eb('lease_until', '<', now)]),
        ]),
      )
      .orderBy('not_before')
      .orderBy('id')
      .limit(limit);
    if (store.dialect === 'postgres') query = query.forUpdate().skipLocked();
    const keys = await query.execute();
    if (keys.length === 0) return [];
    const rows: OutboundRow[] = [];
    for (const [orgId, ids] of groupIds(keys)) {
      await trx
        .updateTable('outbound_messages')
        .set({ lease_owner: owner, lease_until: now + leaseMs })
        .where('org_id', '=', orgId)
        .where('id', 'in', ids)
        .execute();
      rows.push(
        ...(await trx
          .selectFrom('outbound_messages')
          .selectAll()
          .where('org_id', '=', orgId)
          .where('id', 'in', ids)
          .execute()),
      );
    }
    return rows.sort((a, b) => a.not_before - b.not_before || (a.id < b.id ? -1 : 1));
  });
}

function groupIds(keys: { org_id: string; id: string }[]): Map<string, string[]> {
  const byOrg = new Map<string, string[]>();
  for (const key of keys) {
    const list = byOrg.get(key.org_id) ?? [];
    list.push(key.id);
    byOrg.set(key.org_id, list);
  }
  return byOrg;
}

/** Serialises the guard's decisions of one organisation across PostgreSQL workers (inside a transaction). */
export async function lockOrgMail(store: Store, db: Kysely<Database>, orgId: string): Promise<void> {
  if (store.dialect === 'postgres') {
    await sql`select pg_advisory_xact_lock(hashtext(${`stepwise-mail:${orgId}`}))`.execute(db);
  }
}

/** Send times (attempt start) of one sender since `since`: sending and sent messages count. */
export async function senderSendTimes(
  db: Kysely<Database>,
  orgId: string,
  senderId: string,
  since: number,
): Promise<number[]> {
  const rows = await db
    .selectFrom('outbound_messages')
    .select('sent_at')
    .where('org_id', '=', orgId)
    .where('sender_user_id', '=', senderId)
    .where('sent_at', '>=', since)
    .where('status', 'in', ['sending', 'sent'])
    .execute();
  return rows.map((row) => row.sent_at as number);
}

/** Send times per recipient address since `since`, across the organisation. */
export async function orgSendsSince(
  db: Kysely<Database>,
  orgId: string,
  since: number,
): Promise<{ to_address: string; sent_at: number }[]> {
  const rows = await db
    .selectFrom('outbound_messages')
    .select(['to_address', 'sent_at'])
    .where('org_id', '=', orgId)
    .where('sent_at', '>=', since)
    .where('status', 'in', ['sending', 'sent'])
    .execute();
  return rows.map((row) => ({ to_address: row.to_address, sent_at: row.sent_at as number }));
}

export interface RenderedContent {
  subject: string;
  bodyHtml: string;
  bodyText: string;
  messageId: string;
}

/** Holds many queued messages, each until its own time, in one statement (CASE by id). */
export async function holdMany(
  db: Kysely<Database>,
  orgId: string,
  holds: { id: string; notBefore: number; reason: string }[],
  now: number,
): Promise<void> {
  for (let i = 0; i < holds.length; i += 200) {
    const chunk = holds.slice(i, i + 200);
    const notBefore = sql<number>`case id ${sql.join(
      chunk.map((hold) => sql`when ${hold.id} then cast(${hold.notBefore} as bigint)`),
      sql` `,
    )} end`;
    const reason = sql<string>`case id ${sql.join(
      chunk.map((hold) => sql`when ${hold.id} then ${hold.reason}`),
      sql` `,
    )} end`;
    await db
      .updateTable('outbound_messages')
      .set({
        not_before: notBefore,
        hold_reason: reason,
        lease_owner: null,
        lease_until: null,
        updated_at: now,
      })
      .where('org_id', '=', orgId)
      .where(
        'id',
        'in',
        chunk.map((hold) => hold.id),
      )
      .execute();
  }
}

/** Holds every other due queued message of a sender (not leased by anyone) in one statement. */
export async function holdSenderBacklog(
  db: Kysely<Database>,
  orgId: string,
  senderId: string,
  now: number,
  notBefore: number,
  reason: string,
): Promise<number> {
  const result = await db
    .updateTable('outbound_messages')
    .set({ not_before: notBefore, hold_reason: reason, updated_at: now })
    .where('org_id', '=', orgId)
    .where('sender_user_id', '=', senderId)
    .where('status', '=', 'queued')
    .where('not_before', '<=', now)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Holds every other due queued message to one recipient domain (not leased by anyone) in one statement. */
export async function holdDomainBacklog(
  db: Kysely<Database>,
  orgId: string,
  domain: string,
  now: number,
  notBefore: number,
  reason: string,
): Promise<number> {
  const pattern = `%@${domain.replace(/[\\%_]/g, (c) => `\\${c}`)}`;
  const result = await db
    .updateTable('outbound_messages')
    .set({ not_before: notBefore, hold_reason: reason, updated_at: now })
    .where('org_id', '=', orgId)
    .where('status', '=', 'queued')
    .where('not_before', '<=', now)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
    .where(sql<boolean>`lower(to_address) like ${pattern} escape '\\'`)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Ends a message without sending: `held` (needs a person: missing placeholder), `failed` or `canceled`. */
export async function markStopped(
  db: Kysely<Database>,
  row: Pick<OutboundRow, 'org_id' | 'id'>,
  status: Extract<MessageStatus, 'held' | 'failed' | 'canceled'>,
  reason: string,
  now: number,
): Promise<void> {
  await db
    .updateTable('outbound_messages')
    .set({
      status,
      hold_reason: status === 'held' ? reason : null,
      last_error: status === 'held' ? null : reason,
      lease_owner: null,
      lease_until: null,
      updated_at: now,
    })
    .where('org_id', '=', row.org_id)
    .where('id', '=', row.id)
    .execute();
}

/** A temporary failure: back to the queue with back-off; the send no longer counts against the limits. */
export async function scheduleRetry(
  db: Kysely<Database>,
  row: Pick<OutboundRow, 'org_id' | 'id' | 'attempts'>,
  notBefore: number,
  error: string,
  now: number,
): Promise<void> {
  await db
    .updateTable('outbound_messages')
    .set({
      status: 'queued',
      attempts: row.attempts + 1,
      not_before: notBefore,
      last_error: error,
      hold_reason: `Temporary delivery failure, retrying: ${error}`.slice(0, 1000),
      sent_at: null,
      lease_owner: null,
      lease_until: null,
      updated_at: now,
    })
    .where('org_id', '=', row.org_id)
    .where('id', '=', row.id)
    .execute();
}

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

export interface EngagementInput {
  orgId: string;
  outboundMessageId: string | null;
  connectionId: string | null;
  recordId: string | null;
  type: EngagementType;
  dedupeKey: string;
  machine: boolean;
  data: Record<string, unknown>;
  occurredAt: number;
  now: number;
}

/** Stores an engagement event once; returns false when the same dedupe key was stored before. */
export async function insertEngagement(db: Kysely<Database>, input: EngagementInput): Promise<boolean> {
  const rows = await db
    .insertInto('engagement_events')
    .values({
      org_id: input.orgId,
      id: newId(input.now),
      outbound_message_id: input.outboundMessageId,
      connection_id: input.connectionId,
      record_id: input.recordId,
      type: input.type,
      dedupe_key: input.dedupeKey.slice(0, 900),
      machine: input.machine ? 1 : 0,
      data_json: JSON.stringify(input.data),
      occurred_at: input.occurredAt,
      created_at: input.now,
    })
    .onConflict((oc) => oc.columns(['org_id', 'dedupe_key']).doNothing())
    .returning('id')
    .execute();
  return rows.length > 0;
}

export async function countEngagements(
  db: Kysely<Database>,
  orgId: string,
  outboundMessageId: string,
  type: EngagementType,
  humanOnly: boolean,
): Promise<number> {
  let query = db
    .selectFrom('engagement_events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('org_id', '=', orgId)
    .where('outbound_message_id', '=', outboundMessageId)
    .where('type', '=', type);
  if (humanOnly) query = query.where('machine', '=', 0);
  const row = await query.executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function listEngagements(db: Kysely<Database>, orgId: string, outboundMessageId: string) {
  return db
    .selectFrom('engagement_events')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('outbound_message_id', '=', outboundMessageId)
    .orderBy('occurred_at')
    .orderBy('id')
    .execute();
}

export interface TimelineInput {
  orgId: string;
  recordId: string;
  connectionId: string | null;
  kind: string;
  actorId: string | null;
  summary: string;
  data: Record<string, unknown>;
  occurredAt: number;
}

export async function insertTimeline(db: Kysely<Database>, input: TimelineInput): Promise<void> {
  await db
    .insertInto('timeline_events')
    .values({
      org_id: input.orgId,
      id: newId(input.occurredAt),
      record_id: input.recordId,
      connection_id: input.connectionId,
      kind: input.kind,
      actor_id: input.actorId,
      summary: input.summary.slice(0, 500),
      data_json: JSON.stringify(input.data),
      occurred_at: input.occurredAt,
    })
    .execute();
}

export interface OutboxFilter {
  status?: MessageStatus;
  recordId?: string;
  senderUserId?: string;
  /** Only messages of these senders (visibility); undefined: all. */
  senderIn?: string[];
  before?: { not_before: number; id: string };
  limit: number;
}

export async function listOutbox(db: Kysely<Database>, orgId: string, filter: OutboxFilter) {
  let query = db.selectFrom('outbound_messages').selectAll().where('org_id', '=', orgId);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.recordId) query = query.where('record_id', '=', filter.recordId);
  if (filter.senderUserId) query = query.where('sender_user_id', '=', filter.senderUserId);
  if (filter.senderIn) {
    if (filter.senderIn.length === 0) return [];
    query = query.where('sender_user_id', 'in', filter.senderIn);
  }
  const before = filter.before;
  if (before) {
    query = query.where((eb) =>
      eb.or([
        eb('not_before', '<', before.not_before),
        eb.and([eb('not_before', '=', before.not_before), eb('id', '<', before.id)]),
      ]),
    );
  }
  return query
    .orderBy('not_before', 'desc')
    .orderBy('id', 'desc')
    .limit(filter.limit + 1)
    .execute();
}

/** Puts a held message back in the queue (after the record or template was fixed). */
export async function requeueMessage(
  db: Kysely<Database>,
  orgId: string,
  id: string,
  now: number,
): Promise<boolean> {
  const result = await db
    .updateTable('outbound_messages')
    .set({
      status: 'queued',
      not_before: now,
      hold_reason: null,
      last_error: null,
      lease_owner: null,
      lease_until: null,
      updated_at: now,
    })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .where('status', '=', 'held')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** The sequence node of the step an email belongs to (for the engine's `email_failed` event), or null. */
export async function findStepNodeId(
  db: Kysely<Database>,
  row: Pick<OutboundRow, 'org_id' | 'step_instance_id'>,
): Promise<string | null> {
  if (!row.step_instance_id) return null;
  const step = await db
    .selectFrom('step_instances')
    .select('node_id')
    .where('org_id', '=', row.org_id)
    .where('id', '=', row.step_instance_id)
    .executeTakeFirst();
  return step?.node_id ?? null;
}
