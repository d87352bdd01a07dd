import type { Kysely } from 'kysely';
import type { NotificationKind } from '../../domain/notifications/index.ts';
import type { Database } from '../schema.ts';

export interface DigestItem {
  id: string;
  kind: NotificationKind;
  record_id: string | null;
  summary: string;
  created_at: number;
}

/** A user's notifications of `kinds` created in [since, before) that no digest carried yet, oldest first. */
export async function undigestedNotifications(
  db: Kysely<Database>,
  input: {
    orgId: string;
    userId: string;
    kinds: readonly NotificationKind[];
    since: number;
    before: number;
    limit: number;
  },
): Promise<DigestItem[]> {
  if (input.kinds.length === 0) return [];
  return db
    .selectFrom('notifications')
    .select(['id', 'kind', 'record_id', 'summary', 'created_at'])
    .where('org_id', '=', input.orgId)
    .where('user_id', '=', input.userId)
    .where('created_at', '>=', input.since)
    .where('created_at', '<', input.before)
    .where('digest_id', 'is', null)
    .where('kind', 'in', [...input.kinds])
    .orderBy('created_at')
    .orderBy('id')
    .limit(input.limit)
    .execute();
}

/**
 * Records the digest of a user's period; false when one exists already (another worker, or before a restart):
 * the unique (org, user, period) key, not a check, decides. Then marks its notifications as carried.
 */
export async function recordDigest(
  db: Kysely<Database>,
  input: {
    orgId: string;
    id: string;
    userId: string;
    periodKey: string;
    outboundMessageId: string;
    notificationIds: string[];
    now: number;
  },
): Promise<boolean> {
  const inserted = await db
    .insertInto('notification_digests')
    .values({
      org_id: input.orgId,
      id: input.id,
      user_id: input.userId,
      period_key: input.periodKey,
      outbound_message_id: input.outboundMessageId,
      notifications: input.notificationIds.length,
      created_at: input.now,
    })
    .onConflict((oc) => oc.columns(['org_id', 'user_id', 'period_key']).doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return false;
  await db
    .updateTable('notifications')
    .set({ digest_id: input.id })
    .where('org_id', '=', input.orgId)
    .where('id', 'in', input.notificationIds)
    .where('digest_id', 'is', null)
    .execute();
  return true;
}

export async function digestExists(
  db: Kysely<Database>,
  orgId: string,
  userId: string,
  periodKey: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('notification_digests')
    .select('id')
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .where('period_key', '=', periodKey)
    .executeTakeFirst();
  return row !== undefined;
}
