import type { Kysely } from 'kysely';
import type { Actor, Role, TokenScope } from '../../domain/identity.ts';
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
  if (user?.active !== 1) return undefined;
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

/** Ends every session of a user, except `keepSessionId` when given (the one changing the password). */
export async function deleteSessionsOfUser(
  db: Kysely<Database>,
  orgId: string,
  userId: string,
  keepSessionId: string | null = null,
): Promise<number> {
  let query = db.deleteFrom('sessions').where('org_id', '=', orgId).where('user_id', '=', userId);
  if (keepSessionId) query = query.where('id', '!=', keepSessionId);
  const result = await query.executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Drops a user's expired sessions (called at sign-in, so the table does not grow without bound). */
export async function deleteExpiredSessions(
  db: Kysely<Database>,
  orgId: string,
  userId: string,
  now: number,
): Promise<void> {
  await db
    .deleteFrom('sessions')
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .where('expires_at', '<=', now)
    .execute();
}

export async function findUser(db: Kysely<Database>, orgId: string, userId: string) {
  return db
    .selectFrom('users')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', userId)
    .executeTakeFirst();
}

export async function setPasswordHash(
  db: Kysely<Database>,
  orgId: string,
  userId: string,
  passwordHash: string,
): Promise<void> {
  await db
    .updateTable('users')
    .set({ password_hash: passwordHash })
    .where('org_id', '=', orgId)
    .where('id', '=', userId)
    .execute();
}

export interface ProfileChange {
  name?: string;
  locale?: string;
  time_zone?: string | null;
  working_hours_json?: string;
  preferences_json?: string;
}

export async function updateProfile(
  db: Kysely<Database>,
  orgId: string,
  userId: string,
  change: ProfileChange,
): Promise<void> {
  if (Object.keys(change).length === 0) return;
  await db.updateTable('users').set(change).where('org_id', '=', orgId).where('id', '=', userId).execute();
}

// ── API tokens ──────────────────────────────────────────────────────────────────────────────────────────────

export async function insertToken(
  db: Kysely<Database>,
  token: {
    orgId: string;
    id: string;
    userId: string;
    name: string;
    tokenHash: string;
    scopes: readonly TokenScope[];
    expiresAt: number | null;
    now: number;
  },
): Promise<void> {
  await db
    .insertInto('api_tokens')
    .values({
      org_id: token.orgId,
      id: token.id,
      user_id: token.userId,
      name: token.name,
      token_hash: token.tokenHash,
      scopes_json: JSON.stringify(token.scopes),
      expires_at: token.expiresAt,
      created_at: token.now,
      last_used_at: null,
      revoked_at: null,
    })
    .execute();
}

const TOKEN_COLUMNS = [
  'id',
  'name',
  'scopes_json',
  'expires_at',
  'created_at',
  'last_used_at',
  'revoked_at',
] as const;

/** A user's tokens, newest first; never the hash. */
export async function listTokensOfUser(db: Kysely<Database>, orgId: string, userId: string) {
  return db
    .selectFrom('api_tokens')
    .select(TOKEN_COLUMNS)
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

export async function findTokenOfUser(db: Kysely<Database>, orgId: string, userId: string, id: string) {
  return db
    .selectFrom('api_tokens')
    .select(TOKEN_COLUMNS)
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function revokeToken(
  db: Kysely<Database>,
  orgId: string,
  id: string,
  now: number,
): Promise<void> {
  await db
    .updateTable('api_tokens')
    .set({ revoked_at: now })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .execute();
}

/** Revokes every live API token of a user (password change or reset); returns how many. */
export async function revokeTokensOfUser(
  db: Kysely<Database>,
  orgId: string,
  userId: string,
  now: number,
): Promise<number> {
  const result = await db
    .updateTable('api_tokens')
    .set({ revoked_at: now })
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Marks a token used; written at most once a minute per token so reads stay cheap. */
export async function touchToken(
  db: Kysely<Database>,
  orgId: string,
  id: string,
  now: number,
): Promise<void> {
  await db
    .updateTable('api_tokens')
    .set({ last_used_at: now })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', now - 60_000)]))
    .execute();
}

export async function businessUnitName(db: Kysely<Database>, orgId: string, id: string): Promise<string> {
  const unit = await db
    .selectFrom('business_units')
    .select('name')
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  return unit?.name ?? '';
}
