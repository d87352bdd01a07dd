import { type Kysely, sql } from 'kysely';
import type { Database } from '../schema.ts';

/**
 * Small point look-ups routes make before deciding something: a user's name and address, unit and zone; an
 * organisation's name and settings; a sequence's name; a session's CSRF token.
 */

/** A user's display name and address (the sender of an email, the owner on a preview). */
export async function userContact(db: Kysely<Database>, orgId: string, userId: string) {
  return db
    .selectFrom('users')
    .select(['name', 'email'])
    .where('org_id', '=', orgId)
    .where('id', '=', userId)
    .executeTakeFirst();
}

/** A user's display name, null when there is no such user. */
export async function userName(db: Kysely<Database>, orgId: string, userId: string): Promise<string | null> {
  return (await userContact(db, orgId, userId))?.name ?? null;
}

/** Where a user sits (business unit), whether active, and their time zone. */
export async function userPlacement(db: Kysely<Database>, orgId: string, userId: string) {
  return db
    .selectFrom('users')
    .select(['id', 'business_unit_id', 'active', 'time_zone'])
    .where('org_id', '=', orgId)
    .where('id', '=', userId)
    .executeTakeFirst();
}

/** Every user of the organisation with their business unit. */
export async function usersWithUnits(db: Kysely<Database>, orgId: string) {
  return db.selectFrom('users').select(['id', 'business_unit_id']).where('org_id', '=', orgId).execute();
}

/** The organisation's settings JSON ('{}' when the organisation is unknown). */
export async function orgSettingsJson(db: Kysely<Database>, orgId: string): Promise<string> {
  const org = await db.selectFrom('orgs').select('settings_json').where('id', '=', orgId).executeTakeFirst();
  return org?.settings_json ?? '{}';
}

export async function orgName(db: Kysely<Database>, orgId: string): Promise<string | null> {
  const org = await db.selectFrom('orgs').select('name').where('id', '=', orgId).executeTakeFirst();
  return org?.name ?? null;
}

export async function sequenceName(db: Kysely<Database>, orgId: string, id: string): Promise<string | null> {
  const row = await db
    .selectFrom('sequences')
    .select('name')
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row?.name ?? null;
}

/** The CSRF token of a session, null when the session is gone. */
export async function sessionCsrfToken(db: Kysely<Database>, sessionId: string): Promise<string | null> {
  const row = await db
    .selectFrom('sessions')
    .select('csrf_token')
    .where('id', '=', sessionId)
    .executeTakeFirst();
  return row?.csrf_token ?? null;
}

/** How many sequences carry each tag (tags on no sequence are absent). */
export async function sequenceCountsByTag(db: Kysely<Database>, orgId: string): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('sequence_tags')
    .select(['tag_id', db.fn.countAll<number>().as('n')])
    .where('org_id', '=', orgId)
    .groupBy('tag_id')
    .execute();
  return new Map(rows.map((row) => [row.tag_id, Number(row.n)]));
}

/** Resolves when the database answers a trivial query (the readiness probe). */
export async function pingDatabase(db: Kysely<Database>): Promise<void> {
  await sql`select 1`.execute(db);
}
