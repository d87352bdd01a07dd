import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

/** The id of a user's newest notification (ids grow with time), or null: what the live stream compares against. */
export async function newestNotificationId(
  db: Kysely<Database>,
  orgId: string,
  userId: string,
): Promise<string | null> {
  const row = await db
    .selectFrom('notifications')
    .select('id')
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.id ?? null;
}
