import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

/** The outbox side of a final delivery failure: a sent email becomes `bounced`, with what the server said. */
export async function markMessageBounced(
  db: Kysely<Database>,
  input: { orgId: string; id: string; reason: string; now: number },
): Promise<boolean> {
  const result = await db
    .updateTable('outbound_messages')
    .set({ status: 'bounced', last_error: input.reason.slice(0, 1000), updated_at: input.now })
    .where('org_id', '=', input.orgId)
    .where('id', '=', input.id)
    .where('status', 'in', ['sending', 'sent'])
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
