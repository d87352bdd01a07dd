import type { Kysely } from 'kysely';
import type { Role } from '../../domain/identity.ts';
import type { Database, UsersTable } from '../schema.ts';

/** Storage for the admin API and CLI: users with roles, the business unit tree, org settings, the audit log. */

export interface UserWithRoles {
  id: string;
  email: string;
  name: string;
  businessUnitId: string;
  roles: Role[];
  active: boolean;
  locale: string;
  timeZone: string | null;
  createdAt: number;
}

type UserRow = Pick<
  UsersTable,
  'id' | 'email' | 'name' | 'business_unit_id' | 'active' | 'locale' | 'time_zone' | 'created_at'
>;
const USER_COLUMNS = [
  'id',
  'email',
  'name',
  'business_unit_id',
  'active',
  'locale',
  'time_zone',
  'created_at',
] as const;

async function withRoles(db: Kysely<Database>, orgId: string, rows: UserRow[]): Promise<UserWithRoles[]> {
  if (rows.length === 0) return [];
  const assignments = await db
    .selectFrom('role_assignments')
    .select(['user_id', 'role'])
    .where('org_id', '=', orgId)
    .where(
      'user_id',
      'in',
      rows.map((row) => row.id),
    )
    .execute();
  const roles = new Map<string, Role[]>();
  for (const a of assignments) roles.set(a.user_id, [...(roles.get(a.user_id) ?? []), a.role]);
  return rows.map((row) => ({
    id: row.id,
    email: row.email,
    name: row.name,
    businessUnitId: row.business_unit_id,
    roles: (roles.get(row.id) ?? []).sort(),
    active: row.active === 1,
    locale: row.locale,
    timeZone: row.time_zone,
    createdAt: row.created_at,
  }));
}

/** Users ordered by email; `afterEmail` continues after the last email of the previous page. */
export async function listUsers(
  db: Kysely<Database>,
  orgId: string,
  options: { limit: number; afterEmail?: string; businessUnitId?: string; search?: string },
): Promise<UserWithRoles[]> {
  let query = db.selectFrom('users').select(USER_COLUMNS).where('org_id', '=', orgId);
  if (options.afterEmail !== undefined) query = query.where('email', '>', options.afterEmail);
  if (options.businessUnitId) query = query.where('business_unit_id', '=', options.businessUnitId);
  if (options.search) {
    // Wildcards are dropped rather than escaped: SQLite and PostgreSQL disagree on LIKE's default escape.
    const pattern = `%${options.search.toLowerCase().replace(/[\\%_]/g, '')}%`;
    query = query.where((eb) =>
      eb.or([eb('email', 'like', pattern), eb(eb.fn('lower', ['name']), 'like', pattern)]),
    );
  }
  const rows = await query.orderBy('email').limit(options.limit).execute();
  return withRoles(db, orgId, rows);
}

export async function findUserWithRoles(
  db: Kysely<Database>,
  orgId: string,
  userId: string,
): Promise<UserWithRoles | undefined> {
  const row = await db
    .selectFrom('users')
    .select(USER_COLUMNS)
    .where('org_id', '=', orgId)
    .where('id', '=', userId)
    .executeTakeFirst();
  return row ? (await withRoles(db, orgId, [row]))[0] : undefined;
}

export async function emailTaken(db: Kysely<Database>, email: string): Promise<boolean> {
  const row = await db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst();
  return row !== undefined;
}

export interface NewUser {
  orgId: string;
  id: string;
  email: string;
  name: string;
  passwordHash: string;
  businessUnitId: string;
  roles: Role[];
  locale: string;
  timeZone: string | null;
  workingHoursJson: string;
  now: number;
}

export async function insertUser(db: Kysely<Database>, user: NewUser): Promise<void> {
  await db
    .insertInto('users')
    .values({
      org_id: user.orgId,
      id: user.id,
      email: user.email,
      name: user.name,
      password_hash: user.passwordHash,
      business_unit_id: user.businessUnitId,
      locale: user.locale,
      time_zone: user.timeZone,
      working_hours_json: user.workingHoursJson,
      preferences_json: '{}',
      active: 1,
      created_at: user.now,
    })
    .execute();
  await setRoles(db, user.orgId, user.id, user.roles);
}

export async function setRoles(
  db: Kysely<Database>,
  orgId: string,
  userId: string,
  roles: Role[],
): Promise<void> {
  await db.deleteFrom('role_assignments').where('org_id', '=', orgId).where('user_id', '=', userId).execute();
  if (roles.length === 0) return;
  await db
    .insertInto('role_assignments')
    .values(roles.map((role) => ({ org_id: orgId, user_id: userId, role })))
    .execute();
}

export async function updateUserRow(
  db: Kysely<Database>,
  orgId: string,
  userId: string,
  change: { name?: string; business_unit_id?: string; active?: 0 | 1 },
): Promise<void> {
  if (Object.keys(change).length === 0) return;
  await db.updateTable('users').set(change).where('org_id', '=', orgId).where('id', '=', userId).execute();
}

/** Active admins of the org, optionally leaving one user out (the one being changed). */
export async function countActiveAdmins(
  db: Kysely<Database>,
  orgId: string,
  exceptUserId?: string,
): Promise<number> {
  let query = db
    .selectFrom('role_assignments as r')
    .innerJoin('users as u', (join) =>
      join.onRef('u.org_id', '=', 'r.org_id').onRef('u.id', '=', 'r.user_id'),
    )
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('r.org_id', '=', orgId)
    .where('r.role', '=', 'admin')
    .where('u.active', '=', 1);
  if (exceptUserId) query = query.where('u.id', '!=', exceptUserId);
  const row = await query.executeTakeFirstOrThrow();
  return Number(row.n);
}

// ── Business units ─────────────────────────────────────────────────────────────────────────────────────────

export interface BusinessUnitRow {
  id: string;
  name: string;
  parentId: string | null;
  createdAt: number;
}

export async function listBusinessUnits(db: Kysely<Database>, orgId: string): Promise<BusinessUnitRow[]> {
  const rows = await db
    .selectFrom('business_units')
    .select(['id', 'name', 'parent_id', 'created_at'])
    .where('org_id', '=', orgId)
    .orderBy('name')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ id: r.id, name: r.name, parentId: r.parent_id, createdAt: r.created_at }));
}

export async function findBusinessUnit(
  db: Kysely<Database>,
  orgId: string,
  id: string,
): Promise<BusinessUnitRow | undefined> {
  return (await listBusinessUnits(db, orgId)).find((unit) => unit.id === id);
}

/** A business unit by id, or else by name (case-insensitive), for the CLI. */
export async function findBusinessUnitByIdOrName(
  db: Kysely<Database>,
  orgId: string,
  idOrName: string,
): Promise<BusinessUnitRow[]> {
  const units = await listBusinessUnits(db, orgId);
  const byId = units.filter((unit) => unit.id === idOrName);
  return byId.length > 0 ? byId : units.filter((unit) => unit.name.toLowerCase() === idOrName.toLowerCase());
}

export async function insertBusinessUnit(
  db: Kysely<Database>,
  unit: { orgId: string; id: string; name: string; parentId: string | null; now: number },
): Promise<void> {
  await db
    .insertInto('business_units')
    .values({
      org_id: unit.orgId,
      id: unit.id,
      name: unit.name,
      parent_id: unit.parentId,
      created_at: unit.now,
    })
    .execute();
}

export async function updateBusinessUnit(
  db: Kysely<Database>,
  orgId: string,
  id: string,
  change: { name?: string; parent_id?: string | null },
): Promise<void> {
  if (Object.keys(change).length === 0) return;
  await db
    .updateTable('business_units')
    .set(change)
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .execute();
}

export async function deleteBusinessUnit(db: Kysely<Database>, orgId: string, id: string): Promise<void> {
  await db.deleteFrom('business_units').where('org_id', '=', orgId).where('id', '=', id).execute();
}

/** What still belongs to a unit; a unit may be deleted only when all are zero. */
export async function businessUnitContents(
  db: Kysely<Database>,
  orgId: string,
  id: string,
): Promise<{ users: number; childUnits: number; sequences: number; records: number }> {
  const count = async (table: 'users' | 'sequences' | 'records') => {
    const row = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('org_id', '=', orgId)
      .where('business_unit_id', '=', id)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  };
  const children = await db
    .selectFrom('business_units')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('org_id', '=', orgId)
    .where('parent_id', '=', id)
    .executeTakeFirstOrThrow();
  return {
    users: await count('users'),
    childUnits: Number(children.n),
    sequences: await count('sequences'),
    records: await count('records'),
  };
}

// ── Organisations ──────────────────────────────────────────────────────────────────────────────────────────

export async function findOrg(db: Kysely<Database>, orgId: string) {
  return db.selectFrom('orgs').selectAll().where('id', '=', orgId).executeTakeFirst();
}

export async function listOrgs(db: Kysely<Database>) {
  return db.selectFrom('orgs').select(['id', 'name', 'created_at']).orderBy('created_at').execute();
}

export async function insertOrg(
  db: Kysely<Database>,
  org: { id: string; name: string; settingsJson: string; now: number },
): Promise<void> {
  await db
    .insertInto('orgs')
    .values({ id: org.id, name: org.name, settings_json: org.settingsJson, created_at: org.now })
    .execute();
}

export async function setOrgSettings(
  db: Kysely<Database>,
  orgId: string,
  settingsJson: string,
): Promise<void> {
  await db.updateTable('orgs').set({ settings_json: settingsJson }).where('id', '=', orgId).execute();
}

// ── Audit log ──────────────────────────────────────────────────────────────────────────────────────────────

export interface AuditQuery {
  limit: number;
  /** Continue before this (at, id): the list is newest first. */
  before?: { at: number; id: string };
  resourceType?: string;
  resourceId?: string;
  actorId?: string;
}

export async function listAudit(db: Kysely<Database>, orgId: string, query: AuditQuery) {
  let q = db.selectFrom('audit_log').selectAll().where('org_id', '=', orgId);
  if (query.resourceType) q = q.where('resource_type', '=', query.resourceType);
  if (query.resourceId) q = q.where('resource_id', '=', query.resourceId);
  if (query.actorId) q = q.where('actor_id', '=', query.actorId);
  const before = query.before;
  if (before) {
    q = q.where((eb) =>
      eb.or([eb('at', '<', before.at), eb.and([eb('at', '=', before.at), eb('id', '<', before.id)])]),
    );
  }
  return q.orderBy('at', 'desc').orderBy('id', 'desc').limit(query.limit).execute();
}
