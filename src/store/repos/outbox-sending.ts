import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';
import type { OutboundRow, RenderedContent } from './mail-repo.ts';

/**
 * The outbox while messages are on the wire: marking `sending` under the worker's lease, renewing that lease
 * while SMTP is slow, and recording each message `sent` the moment its 250 arrives — only if this worker still
 * holds it (a guarded update; the caller writes timeline and webhook rows only when it matched).
 */

type Key = Pick<OutboundRow, 'org_id' | 'id'>;

function byOrg(keys: Key[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const key of keys) out.set(key.org_id, [...(out.get(key.org_id) ?? []), key.id]);
  return out;
}

/**
 * Marks a claimed message `sending` before SMTP. A first attempt stores its final content and exact bytes; a retry
 * (content already stored) keeps them. False when this worker no longer holds the message.
 */
export async function markSendingLeased(
  db: Kysely<Database>,
  row: Key,
  owner: string,
  content: (RenderedContent & { rawMime: string }) | null,
  now: number,
  leaseUntil: number,
): Promise<boolean> {
  const result = await db
    .updateTable('outbound_messages')
    .set({
      status: 'sending',
      ...(content
        ? {
            subject: content.subject,
            body_html: content.bodyHtml,
            body_text: content.bodyText,
            message_id: content.messageId,
            raw_mime: content.rawMime,
          }
        : {}),
      hold_reason: null,
      sent_at: now,
      lease_until: leaseUntil,
      updated_at: now,
    })
    .where('org_id', '=', row.org_id)
    .where('id', '=', row.id)
    .where('lease_owner', '=', owner)
    .where('status', 'in', ['queued', 'sending'])
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Extends this worker's lease on messages it is still sending; returns the ids it still holds. */
export async function renewLeases(
  db: Kysely<Database>,
  keys: Key[],
  owner: string,
  leaseUntil: number,
): Promise<Set<string>> {
  const held = new Set<string>();
  for (const [orgId, ids] of byOrg(keys)) {
    for (let from = 0; from < ids.length; from += 500) {
      const part = ids.slice(from, from + 500);
      await db
        .updateTable('outbound_messages')
        .set({ lease_until: leaseUntil })
        .where('org_id', '=', orgId)
        .where('id', 'in', part)
        .where('lease_owner', '=', owner)
        .where('status', 'in', ['queued', 'sending'])
        .execute();
      const rows = await db
        .selectFrom('outbound_messages')
        .select('id')
        .where('org_id', '=', orgId)
        .where('id', 'in', part)
        .where('lease_owner', '=', owner)
        .where('status', 'in', ['queued', 'sending'])
        .execute();
      for (const row of rows) held.add(row.id);
    }
  }
  return held;
}

/** `sent`, if this worker still holds the message in `sending`. True when it did (write the effects then). */
export async function markSentLeased(
  db: Kysely<Database>,
  row: Key,
  owner: string,
  now: number,
  /** The server's final answer (`250 …`), or null for the catch-all outbox. */
  smtpResponse: string | null = null,
): Promise<boolean> {
  const result = await db
    .updateTable('outbound_messages')
    .set({
      status: 'sent',
      sent_at: now,
      smtp_response: smtpResponse === null ? null : smtpResponse.replaceAll('\u0000', '').slice(0, 1000),
      lease_owner: null,
      lease_until: null,
      last_error: null,
      updated_at: now,
    })
    .where('org_id', '=', row.org_id)
    .where('id', '=', row.id)
    .where('lease_owner', '=', owner)
    .where('status', '=', 'sending')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * The earliest message of each connection that has not gone yet (queued or sending, by id — ids are
 * time-ordered and monotonic within a process): a later email of the same connection waits behind it.
 */
export async function earliestUnsentPerConnection(
  db: Kysely<Database>,
  orgId: string,
  connectionIds: string[],
): Promise<Map<string, { id: string; notBefore: number }>> {
  const out = new Map<string, { id: string; notBefore: number }>();
  for (let from = 0; from < connectionIds.length; from += 500) {
    const rows = await db
      .selectFrom('outbound_messages')
      .select(['connection_id', 'id', 'not_before'])
      .where('org_id', '=', orgId)
      .where('connection_id', 'in', connectionIds.slice(from, from + 500))
      .where('status', 'in', ['queued', 'sending'])
      .execute();
    for (const row of rows) {
      if (!row.connection_id) continue;
      const known = out.get(row.connection_id);
      if (!known || row.id < known.id) out.set(row.connection_id, { id: row.id, notBefore: row.not_before });
    }
  }
  return out;
}

/** Back to the queue without an attempt counted: a later email waiting for an earlier one of its connection. */
export async function requeueBehind(
  db: Kysely<Database>,
  row: Key,
  owner: string,
  notBefore: number,
  reason: string,
  now: number,
): Promise<void> {
  await db
    .updateTable('outbound_messages')
    .set({
      status: 'queued',
      not_before: notBefore,
      hold_reason: reason,
      sent_at: null,
      lease_owner: null,
      lease_until: null,
      updated_at: now,
    })
    .where('org_id', '=', row.org_id)
    .where('id', '=', row.id)
    .where('lease_owner', '=', owner)
    .where('status', '=', 'sending')
    .execute();
}
