import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

/**
 * Sets a record's do-not-email flag. Returns `missing` when there is no such record, `unchanged` when the flag
 * was set already, `set` when this call set it.
 */
export async function setDoNotEmail(
  db: Kysely<Database>,
  input: { orgId: string; recordId: string; now: number },
): Promise<'missing' | 'unchanged' | 'set'> {
  const record = await db
    .selectFrom('records')
    .select(['do_not_email'])
    .where('org_id', '=', input.orgId)
    .where('id', '=', input.recordId)
    .executeTakeFirst();
  if (!record) return 'missing';
  if (record.do_not_email === 1) return 'unchanged';
  await db
    .updateTable('records')
    .set({ do_not_email: 1, updated_at: input.now })
    .where('org_id', '=', input.orgId)
    .where('id', '=', input.recordId)
    .execute();
  return 'set';
}
