import type { Insertable, Kysely } from 'kysely';
import type { Database, OutboundMessagesTable } from '../schema.ts';

/**
 * Puts one message in the outbox. With `ignoreDuplicate`, a message whose idempotency key exists already is not
 * written and null is returned; otherwise the id.
 */
export async function insertOutboundMessage(
  db: Kysely<Database>,
  row: Insertable<OutboundMessagesTable> & { id: string },
  options: { ignoreDuplicate: boolean } = { ignoreDuplicate: false },
): Promise<string | null> {
  if (!options.ignoreDuplicate) {
    await db.insertInto('outbound_messages').values(row).execute();
    return row.id;
  }
  const rows = await db
    .insertInto('outbound_messages')
    .values(row)
    .onConflict((oc) => oc.columns(['org_id', 'idempotency_key']).doNothing())
    .returning('id')
    .execute();
  return rows[0]?.id ?? null;
}

/** Notes why a message went wrong (a bounce), without changing its status. */
export async function setMessageError(
  db: Kysely<Database>,
  input: { orgId: string; id: string; error: string; now: number },
): Promise<void> {
  await db
    .updateTable('outbound_messages')
    .set({ last_error: input.error.slice(0, 1000), updated_at: input.now })
    .where('org_id', '=', input.orgId)
    .where('id', '=', input.id)
    .execute();
}
