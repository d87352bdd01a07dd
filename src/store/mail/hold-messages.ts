import { type Kysely, sql } from 'kysely';
import type { Database, MessageStatus } from '../schema.ts';
import type { OutboundRow } from './claim-messages.ts';

/** Holding, stopping and retrying outbox messages. */

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
