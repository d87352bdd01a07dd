import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

/** The organisation's user with this email (compared as given: emails are stored lower-cased), if any. */
export async function findOrgUserByEmail(db: Kysely<Database>, orgId: string, email: string) {
  return db
    .selectFrom('users')
    .select(['id', 'business_unit_id', 'active'])
    .where('org_id', '=', orgId)
    .where('email', '=', email)
    .executeTakeFirst();
}
