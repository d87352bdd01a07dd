import type { Kysely, Updateable } from 'kysely';
import type { Database, SsoProvidersTable } from '../schema.ts';

export type SsoProviderRow = SsoProvidersTable;

/** Every organisation's providers (id and name only): the sign-in page offers one button each. */
export async function listAllSsoProviders(db: Kysely<Database>) {
  return db.selectFrom('sso_providers').select(['id', 'name']).orderBy('name').orderBy('id').execute();
}

/** A provider by id alone (the start and callback routes are called before anyone is signed in). */
export async function findSsoProviderById(db: Kysely<Database>, id: string) {
  return db.selectFrom('sso_providers').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listSsoProviders(db: Kysely<Database>, orgId: string) {
  return db
    .selectFrom('sso_providers')
    .selectAll()
    .where('org_id', '=', orgId)
    .orderBy('name')
    .orderBy('id')
    .execute();
}

export async function findSsoProvider(db: Kysely<Database>, orgId: string, id: string) {
  return db
    .selectFrom('sso_providers')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function insertSsoProvider(db: Kysely<Database>, row: SsoProviderRow): Promise<void> {
  await db.insertInto('sso_providers').values(row).execute();
}

export async function updateSsoProvider(
  db: Kysely<Database>,
  orgId: string,
  id: string,
  change: Updateable<SsoProvidersTable>,
): Promise<void> {
  await db
    .updateTable('sso_providers')
    .set(change)
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .execute();
}

export async function deleteSsoProvider(db: Kysely<Database>, orgId: string, id: string): Promise<void> {
  await db.deleteFrom('sso_providers').where('org_id', '=', orgId).where('id', '=', id).execute();
}

/** Whether some provider of the organisation enforces SSO (password sign-in then only for admins). */
export async function ssoEnforced(db: Kysely<Database>, orgId: string): Promise<boolean> {
  const row = await db
    .selectFrom('sso_providers')
    .select('id')
    .where('org_id', '=', orgId)
    .where('enforce', '=', 1)
    .executeTakeFirst();
  return row !== undefined;
}
