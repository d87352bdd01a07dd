import { type Kysely, type Selectable, sql } from 'kysely';
import type { Store } from '../db.ts';
import type { Database, OutboundMessagesTable } from '../schema.ts';

/** Claiming due outbox messages and the send counts the limits need. */

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

/** Send times (attempt start) of one sender since `since`: sending, sent and bounced (it was sent) messages count. */
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
    .where('status', 'in', ['sending', 'sent', 'bounced'])
    .execute();
  return rows.map((row) => row.sent_at as number);
}

/** Send times per recipient address since `since`, across the organisation. */
export async function orgSendsSince(
  db: Kysely<Database>,
  orgId: string,
  since: number,
): Promise<{ to_address: string; sent_at: number }[]> {
  const rows = await orgSendsSinceQuery(db, orgId, since).execute();
  return rows.map((row) => ({ to_address: row.to_address, sent_at: row.sent_at as number }));
}

/** The read of `orgSendsSince`: `sent_at >= since` implies the predicate of `outbound_messages_sent` (0030). */
export function orgSendsSinceQuery(db: Kysely<Database>, orgId: string, since: number) {
  return db
    .selectFrom('outbound_messages')
    .select(['to_address', 'sent_at'])
    .where('org_id', '=', orgId)
    .where('sent_at', '>=', since)
    .where('status', 'in', ['sending', 'sent', 'bounced']);
}
