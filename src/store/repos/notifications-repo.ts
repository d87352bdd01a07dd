import type { Kysely } from 'kysely';
import { newId } from '../ids.ts';
import type { Database, NotificationKind } from '../schema.ts';

export interface NotificationInput {
  orgId: string;
  userId: string;
  kind: NotificationKind;
  recordId: string | null;
  summary: string;
  data: Record<string, unknown>;
  now: number;
  /** Unique per organisation: a second insert with the same key is ignored (several workers, a retry). */
  dedupeKey?: string;
}

function rowOf(input: NotificationInput) {
  return {
    org_id: input.orgId,
    id: newId(input.now),
    user_id: input.userId,
    kind: input.kind,
    record_id: input.recordId,
    summary: input.summary.slice(0, 500),
    data_json: JSON.stringify(input.data),
    created_at: input.now,
    read_at: null,
    dedupe_key: input.dedupeKey ?? null,
  };
}

/** Writes a notification; returns false when one with the same dedupe key exists already. */
export async function insertNotification(db: Kysely<Database>, input: NotificationInput): Promise<boolean> {
  const result = await db
    .insertInto('notifications')
    .values(rowOf(input))
    .onConflict((oc) => oc.columns(['org_id', 'dedupe_key']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Several at once (one statement per 500); duplicates by dedupe key are ignored. Returns how many were new. */
export async function insertNotifications(
  db: Kysely<Database>,
  inputs: NotificationInput[],
): Promise<number> {
  let inserted = 0;
  // 500 rows × 11 columns stays well below both dialects' bound-parameter limits.
  for (let i = 0; i < inputs.length; i += 500) {
    const result = await db
      .insertInto('notifications')
      .values(inputs.slice(i, i + 500).map(rowOf))
      .onConflict((oc) => oc.columns(['org_id', 'dedupe_key']).doNothing())
      .executeTakeFirst();
    inserted += Number(result.numInsertedOrUpdatedRows ?? 0);
  }
  return inserted;
}

/** The owner of a record (who is told about a reply), if the record exists. */
export async function recordOwnerOf(
  db: Kysely<Database>,
  orgId: string,
  recordId: string,
): Promise<{ ownerId: string; name: string } | undefined> {
  const row = await db
    .selectFrom('records')
    .select(['owner_id', 'name'])
    .where('org_id', '=', orgId)
    .where('id', '=', recordId)
    .executeTakeFirst();
  return row ? { ownerId: row.owner_id, name: row.name } : undefined;
}

export async function listNotifications(db: Kysely<Database>, orgId: string, userId: string, limit: number) {
  return db
    .selectFrom('notifications')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

export async function countUnread(db: Kysely<Database>, orgId: string, userId: string): Promise<number> {
  const row = await db
    .selectFrom('notifications')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .where('read_at', 'is', null)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function markAllRead(
  db: Kysely<Database>,
  orgId: string,
  userId: string,
  now: number,
): Promise<number> {
  const result = await db
    .updateTable('notifications')
    .set({ read_at: now })
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .where('read_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
