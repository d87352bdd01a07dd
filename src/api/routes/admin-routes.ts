import { z } from 'zod';
import {
  EmailSchema,
  INHERITED_WORKING_HOURS,
  LocaleSchema,
  NewPasswordSchema,
  PersonNameSchema,
  ROLES,
  RoleListSchema,
  TimeZoneSchema,
} from '../../domain/identity.ts';
import {
  applyOrgSettingsPatch,
  OrgSettingsOutSchema,
  OrgSettingsPatchSchema,
  parseOrgSettings,
} from '../../domain/org-settings.ts';
import { isWithinUnit } from '../../domain/permissions/permissions.ts';
import { newId } from '../../store/ids.ts';
import {
  businessUnitContents,
  countActiveAdmins,
  deleteBusinessUnit,
  emailTaken,
  findBusinessUnit,
  findOrg,
  findUserWithRoles,
  insertBusinessUnit,
  insertUser,
  listBusinessUnits,
  listUsers,
  setOrgSettings,
  setRoles,
  type UserWithRoles,
  updateBusinessUnit,
  updateUserRow,
} from '../../store/repos/admin-repo.ts';
import { recordAudit } from '../../store/repos/audit-repo.ts';
import {
  deleteSessionsOfUser,
  revokeTokensOfUser,
  setPasswordHash,
} from '../../store/repos/identity-repo.ts';
import type { ApiApp } from '../app.ts';
import { requireOrgPermission } from '../auth/guard.ts';
import { hashPassword, refusePersonalPassword } from '../auth/passwords.ts';
import type { AppDeps } from '../deps.ts';
import { decodeCursor, PageQuerySchema, pageSchema, toPage } from '../pagination.ts';
import { HttpProblem, notFoundProblem, ProblemSchema } from '../problems.ts';

export const AdminUserSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    businessUnitId: z.string(),
    roles: z.array(z.enum(ROLES)),
    active: z.boolean(),
    locale: z.string(),
    timeZone: z.string().nullable(),
    createdAt: z.number().int(),
  })
  .meta({ id: 'AdminUser' });

export const BusinessUnitSchema = z
  .object({ id: z.string(), name: z.string(), parentId: z.string().nullable(), createdAt: z.number().int() })
  .meta({ id: 'BusinessUnit' });

const IdParams = z.strictObject({ id: z.string().min(1).max(100) });
const UnitName = z.string().trim().min(1).max(200);
const UnitId = z.string().min(1).max(100);

const errors = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema } as const;

const conflict = (code: string, message: string, path: (string | number)[] = []) =>
  new HttpProblem(409, code, message, path.length > 0 ? [{ path, code, message }] : []);

/** Without this rule an org could lock itself out: some active admin must remain. */
async function ensureAdminRemains(
  trx: Parameters<typeof countActiveAdmins>[0],
  orgId: string,
  user: UserWithRoles,
  next: { roles: string[]; active: boolean },
) {
  const wasAdmin = user.active && user.roles.includes('admin');
  const staysAdmin = next.active && next.roles.includes('admin');
  if (wasAdmin && !staysAdmin && (await countActiveAdmins(trx, orgId, user.id)) === 0) {
    throw conflict('last_admin', 'The organisation needs at least one active admin');
  }
}

/** Users, business units and organisation settings; admins only (`org.manage_org`). */
export async function adminRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  // ── Users ────────────────────────────────────────────────────────────────────────────────────────────────
  app.get(
    '/api/admin/users',
    {
      schema: {
        tags: ['admin'],
        summary: 'Users of the organisation, by email, with cursor pagination',
        querystring: PageQuerySchema.extend({
          businessUnitId: UnitId.optional(),
          q: z.string().max(200).optional(),
        }),
        response: { 200: pageSchema(AdminUserSchema), ...errors },
      },
    },
    async (request) => {
      const actor = await requireOrgPermission(deps, request, 'manage_org');
      const { limit, cursor, businessUnitId, q } = request.query;
      const after = decodeCursor(cursor, z.object({ email: z.string() }));
      const rows = await listUsers(deps.store.db, actor.orgId, {
        limit: limit + 1,
        ...(after ? { afterEmail: after.email } : {}),
        ...(businessUnitId ? { businessUnitId } : {}),
        ...(q ? { search: q } : {}),
      });
      return toPage(
        rows,
        limit,
        (row) => row,
        (row) => ({ email: row.email }),
      );
    },
  );

  app.get(
    '/api/admin/users/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'One user',
        params: IdParams,
        response: { 200: AdminUserSchema, ...errors, 404: ProblemSchema },
      },
    },
    async (request) => {
      const actor = await requireOrgPermission(deps, request, 'manage_org');
      const user = await findUserWithRoles(deps.store.db, actor.orgId, request.params.id);
      if (!user) throw notFoundProblem('User');
      return user;
    },
  );

  app.post(
    '/api/admin/users',
    {
      schema: {
        tags: ['admin'],
        summary: 'Create a user with roles, a business unit and an initial password',
        body: z.strictObject({
          email: EmailSchema,
          name: PersonNameSchema,
          roles: RoleListSchema,
          businessUnitId: UnitId,
          password: NewPasswordSchema,
          locale: LocaleSchema.default('en'),
          timeZone: TimeZoneSchema.nullable().default(null),
        }),
        response: { 201: AdminUserSchema, ...errors, 409: ProblemSchema },
      },
    },
    async (request, reply) => {
      const actor = await requireOrgPermission(deps, request, 'manage_org');
      const body = request.body;
      refusePersonalPassword(body.password, body, ['body', 'password']);
      const passwordHash = await hashPassword(body.password);
      const now = deps.clock.now();
      const id = newId(now);
      const created = await deps.store.db.transaction().execute(async (trx) => {
        if (!(await findBusinessUnit(trx, actor.orgId, body.businessUnitId))) {
          throw new HttpProblem(400, 'unknown_business_unit', 'No such business unit', [
            {
              path: ['body', 'businessUnitId'],
              code: 'unknown_business_unit',
              message: 'No such business unit',
            },
          ]);
        }
        if (await emailTaken(trx, body.email)) {
          throw conflict('email_taken', 'A user with this email exists', ['body', 'email']);
        }
        await insertUser(trx, {
          orgId: actor.orgId,
          id,
          email: body.email,
          name: body.name,
          passwordHash,
          businessUnitId: body.businessUnitId,
          roles: body.roles,
          locale: body.locale,
          timeZone: body.timeZone,
          workingHoursJson: INHERITED_WORKING_HOURS,
          now,
        });
        const user = (await findUserWithRoles(trx, actor.orgId, id))!;
        await recordAudit(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          action: 'user.created',
          resourceType: 'user',
          resourceId: id,
          after: {
            email: user.email,
            name: user.name,
            roles: user.roles,
            businessUnitId: user.businessUnitId,
          },
          at: now,
        });
        return user;
      });
      return reply.code(201).send(created);
    },
  );

  app.patch(
    '/api/admin/users/:id',
    {
      schema: {
        tags: ['admin'],
        summary:
          "Change a user's name, roles, business unit or active flag, or set a new password (revokes the " +
          "user's API tokens unless keepApiTokens)",
        params: IdParams,
        body: z.strictObject({
          name: PersonNameSchema.optional(),
          roles: RoleListSchema.optional(),
          businessUnitId: UnitId.optional(),
          active: z.boolean().optional(),
          password: NewPasswordSchema.optional(),
          keepApiTokens: z.boolean().default(false).meta({
            description: "With `password`: keep the user's API tokens (by default they are revoked)",
          }),
        }),
        response: { 200: AdminUserSchema, ...errors, 404: ProblemSchema, 409: ProblemSchema },
      },
    },
    async (request) => {
      const actor = await requireOrgPermission(deps, request, 'manage_org');
      const body = request.body;
      const passwordHash = body.password === undefined ? undefined : await hashPassword(body.password);
      const now = deps.clock.now();
      return deps.store.db.transaction().execute(async (trx) => {
        const user = await findUserWithRoles(trx, actor.orgId, request.params.id);
        if (!user) throw notFoundProblem('User');
        refusePersonalPassword(body.password, { email: user.email, name: body.name ?? user.name }, [
          'body',
          'password',
        ]);
        if (body.businessUnitId && !(await findBusinessUnit(trx, actor.orgId, body.businessUnitId))) {
          throw new HttpProblem(400, 'unknown_business_unit', 'No such business unit', [
            {
              path: ['body', 'businessUnitId'],
              code: 'unknown_business_unit',
              message: 'No such business unit',
            },
          ]);
        }
        const roles = body.roles ?? user.roles;
        const active = body.active ?? user.active;
        await ensureAdminRemains(trx, actor.orgId, user, { roles, active });
        await updateUserRow(trx, actor.orgId, user.id, {
          ...(body.name !== undefined ? { name: body.name } : {}),
          ...(body.businessUnitId !== undefined ? { business_unit_id: body.businessUnitId } : {}),
          ...(body.active !== undefined ? { active: body.active ? 1 : 0 } : {}),
        });
        if (body.roles) await setRoles(trx, actor.orgId, user.id, body.roles);
        if (passwordHash) await setPasswordHash(trx, actor.orgId, user.id, passwordHash);
        // A deactivated user or a reset password ends the user's sessions at once; a reset also revokes the
        // user's API tokens unless the admin keeps them.
        if (body.active === false || passwordHash) await deleteSessionsOfUser(trx, actor.orgId, user.id);
        const tokensRevoked =
          passwordHash && !body.keepApiTokens ? await revokeTokensOfUser(trx, actor.orgId, user.id, now) : 0;
        const after = (await findUserWithRoles(trx, actor.orgId, user.id))!;
        const summary = (u: UserWithRoles) => ({
          name: u.name,
          roles: u.roles,
          businessUnitId: u.businessUnitId,
          active: u.active,
        });
        await recordAudit(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          action: 'user.updated',
          resourceType: 'user',
          resourceId: user.id,
          before: summary(user),
          after: {
            ...summary(after),
            ...(passwordHash ? { passwordReset: true, apiTokensRevoked: tokensRevoked } : {}),
          },
          at: now,
        });
        return after;
      });
    },
  );

  // ── Business units ───────────────────────────────────────────────────────────────────────────────────────
  app.get(
    '/api/admin/business-units',
    {
      schema: {
        tags: ['admin'],
        summary: 'The business unit tree, as a flat list with parent ids',
        response: { 200: z.object({ items: z.array(BusinessUnitSchema) }), ...errors },
      },
    },
    async (request) => {
      const actor = await requireOrgPermission(deps, request, 'manage_org');
      return { items: await listBusinessUnits(deps.store.db, actor.orgId) };
    },
  );

  app.post(
    '/api/admin/business-units',
    {
      schema: {
        tags: ['admin'],
        summary: 'Create a business unit under a parent (null: a top-level unit)',
        body: z.strictObject({ name: UnitName, parentId: UnitId.nullable() }),
        response: { 201: BusinessUnitSchema, ...errors, 409: ProblemSchema },
      },
    },
    async (request, reply) => {
      const actor = await requireOrgPermission(deps, request, 'manage_org');
      const { name, parentId } = request.body;
      const now = deps.clock.now();
      const id = newId(now);
      const unit = await deps.store.db.transaction().execute(async (trx) => {
        const units = await listBusinessUnits(trx, actor.orgId);
        if (parentId !== null && !units.some((u) => u.id === parentId)) {
          throw new HttpProblem(400, 'unknown_business_unit', 'No such parent business unit', [
            { path: ['body', 'parentId'], code: 'unknown_business_unit', message: 'No such business unit' },
          ]);
        }
        ensureUniqueSiblingName(units, name, parentId, null);
        await insertBusinessUnit(trx, { orgId: actor.orgId, id, name, parentId, now });
        const created = { id, name, parentId, createdAt: now };
        await recordAudit(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          action: 'business_unit.created',
          resourceType: 'business_unit',
          resourceId: id,
          after: { name, parentId },
          at: now,
        });
        return created;
      });
      return reply.code(201).send(unit);
    },
  );

  app.patch(
    '/api/admin/business-units/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'Rename a business unit or move it under another parent',
        params: IdParams,
        body: z.strictObject({ name: UnitName.optional(), parentId: UnitId.nullable().optional() }),
        response: { 200: BusinessUnitSchema, ...errors, 404: ProblemSchema, 409: ProblemSchema },
      },
    },
    async (request) => {
      const actor = await requireOrgPermission(deps, request, 'manage_org');
      const body = request.body;
      const now = deps.clock.now();
      return deps.store.db.transaction().execute(async (trx) => {
        const units = await listBusinessUnits(trx, actor.orgId);
        const unit = units.find((u) => u.id === request.params.id);
        if (!unit) throw notFoundProblem('Business unit');
        const parentId = body.parentId === undefined ? unit.parentId : body.parentId;
        const name = body.name ?? unit.name;
        if (parentId !== null) {
          if (!units.some((u) => u.id === parentId)) {
            throw new HttpProblem(400, 'unknown_business_unit', 'No such parent business unit', [
              { path: ['body', 'parentId'], code: 'unknown_business_unit', message: 'No such business unit' },
            ]);
          }
          const tree = { businessUnits: units, featureRoles: null };
          if (isWithinUnit(tree, unit.id, parentId)) {
            throw conflict('business_unit_cycle', 'A unit cannot move under itself or its own children', [
              'body',
              'parentId',
            ]);
          }
        }
        ensureUniqueSiblingName(units, name, parentId, unit.id);
        await updateBusinessUnit(trx, actor.orgId, unit.id, { name, parent_id: parentId });
        await recordAudit(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          action: 'business_unit.updated',
          resourceType: 'business_unit',
          resourceId: unit.id,
          before: { name: unit.name, parentId: unit.parentId },
          after: { name, parentId },
          at: now,
        });
        return { ...unit, name, parentId };
      });
    },
  );

  app.delete(
    '/api/admin/business-units/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'Delete an empty business unit (no users, child units, sequences or records)',
        params: IdParams,
        response: { 204: z.null(), ...errors, 404: ProblemSchema, 409: ProblemSchema },
      },
    },
    async (request, reply) => {
      const actor = await requireOrgPermission(deps, request, 'manage_org');
      const now = deps.clock.now();
      await deps.store.db.transaction().execute(async (trx) => {
        const unit = await findBusinessUnit(trx, actor.orgId, request.params.id);
        if (!unit) throw notFoundProblem('Business unit');
        const contents = await businessUnitContents(trx, actor.orgId, unit.id);
        const left = Object.entries(contents).filter(([, n]) => n > 0);
        if (left.length > 0) {
          throw new HttpProblem(
            409,
            'business_unit_not_empty',
            `The business unit still has ${left.map(([what, n]) => `${n} ${what}`).join(', ')}; move them first`,
            left.map(([what, n]) => ({ path: [what], code: 'not_empty', message: `${n} ${what}` })),
          );
        }
        await deleteBusinessUnit(trx, actor.orgId, unit.id);
        await recordAudit(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          action: 'business_unit.deleted',
          resourceType: 'business_unit',
          resourceId: unit.id,
          before: { name: unit.name, parentId: unit.parentId },
          at: now,
        });
      });
      return reply.code(204).send(null);
    },
  );

  // ── Organisation settings ────────────────────────────────────────────────────────────────────────────────
  app.get(
    '/api/admin/settings',
    {
      schema: {
        tags: ['admin'],
        summary: 'Organisation settings (feature roles, time zone, holidays, working hours, mail limits)',
        response: { 200: OrgSettingsOutSchema, ...errors },
      },
    },
    async (request) => {
      const actor = await requireOrgPermission(deps, request, 'manage_org');
      const org = await findOrg(deps.store.db, actor.orgId);
      return parseOrgSettings(org?.settings_json ?? '{}');
    },
  );

  app.patch(
    '/api/admin/settings',
    {
      schema: {
        tags: ['admin'],
        summary: 'Change organisation settings; fields left out keep their value',
        body: OrgSettingsPatchSchema,
        response: { 200: OrgSettingsOutSchema, ...errors },
      },
    },
    async (request) => {
      const actor = await requireOrgPermission(deps, request, 'manage_org');
      const now = deps.clock.now();
      return deps.store.db.transaction().execute(async (trx) => {
        const org = await findOrg(trx, actor.orgId);
        const before = parseOrgSettings(org?.settings_json ?? '{}');
        const after = applyOrgSettingsPatch(before, request.body);
        // Keep keys other modules may have stored beside ours.
        const stored = safeObject(org?.settings_json);
        await setOrgSettings(trx, actor.orgId, JSON.stringify({ ...stored, ...after }));
        await recordAudit(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          action: 'org.settings_updated',
          resourceType: 'org',
          resourceId: actor.orgId,
          before: pickKeys(before, Object.keys(request.body)),
          after: pickKeys(after, Object.keys(request.body)),
          at: now,
        });
        return after;
      });
    },
  );
}

function ensureUniqueSiblingName(
  units: { id: string; name: string; parentId: string | null }[],
  name: string,
  parentId: string | null,
  selfId: string | null,
): void {
  const clash = units.some(
    (u) => u.id !== selfId && u.parentId === parentId && u.name.toLowerCase() === name.toLowerCase(),
  );
  if (clash) {
    throw conflict('business_unit_name_taken', 'A unit with this name exists under the same parent', [
      'body',
      'name',
    ]);
  }
}

function safeObject(json: string | undefined): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(json ?? '{}');
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

function pickKeys<T extends object>(value: T, keys: string[]): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([key]) => keys.includes(key))) as Partial<T>;
}
