import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

/** Cancels an email that has not gone out (queued or held). True when this call canceled it. */
export async function cancelUnsentMessage(db: Kysely<Database>, orgId: string, id: string, now: number) {
  const result = await db
    .updateTable('outbound_messages')
    .set({ status: 'canceled', hold_reason: null, last_error: 'Canceled by a user', updated_at: now })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .where('status', 'in', ['queued', 'held'])
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Takes back a queued email that must not go (its step could not be completed). True when it was removed. */
export async function withdrawQueuedMessage(db: Kysely<Database>, orgId: string, id: string) {
  const result = await db
    .deleteFrom('outbound_messages')
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .where('status', '=', 'queued')
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
