import type { Kysely } from 'kysely';
import type { Actor, Role } from '../../domain/identity.ts';
import type { Database } from '../schema.ts';

export async function findUserByEmail(db: Kysely<Database>, email: string) {
  return db
    .selectFrom('users')
    .selectAll()
    .where('email', '=', email.trim().toLowerCase())
    .executeTakeFirst();
}

export async function rolesOf(db: Kysely<Database>, orgId: string, userId: string): Promise<Role[]> {
  const rows = await db
    .selectFrom('role_assignments')
    .select('role')
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .execute();
  return rows.map((row) => row.role).sort();
}

/** The actor for an active user, or undefined when the user is gone or deactivated. */
export async function loadActor(
  db: Kysely<Database>,
  orgId: string,
  userId: string,
): Promise<Actor | undefined> {
  const user = await db
    .selectFrom('users')
    .select(['id', 'org_id', 'business_unit_id', 'name', 'email', 'locale', 'active'])
    .where('org_id', '=', orgId)
    .where('id', '=', userId)
    .executeTakeFirst();
  if (!user || user.active !== 1) return undefined;
  return {
    orgId: user.org_id,
    userId: user.id,
    businessUnitId: user.business_unit_id,
    roles: await rolesOf(db, orgId, userId),
    name: user.name,
    email: user.email,
    locale: user.locale,
  };
}

export async function insertSession(
  db: Kysely<Database>,
  session: { id: string; orgId: string; userId: string; csrfToken: string; expiresAt: number; now: number },
) {
  await db
    .insertInto('sessions')
    .values({
      id: session.id,
      org_id: session.orgId,
      user_id: session.userId,
      csrf_token: session.csrfToken,
      expires_at: session.expiresAt,
      created_at: session.now,
    })
    .execute();
}

export async function findLiveSession(db: Kysely<Database>, id: string, now: number) {
  return db
    .selectFrom('sessions')
    .selectAll()
    .where('id', '=', id)
    .where('expires_at', '>', now)
    .executeTakeFirst();
}

export async function deleteSession(db: Kysely<Database>, id: string) {
  await db.deleteFrom('sessions').where('id', '=', id).execute();
}

export async function findLiveToken(db: Kysely<Database>, tokenHash: string) {
  return db
    .selectFrom('api_tokens')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}
