import { z } from 'zod';
import {
  EmailSchema,
  INHERITED_WORKING_HOURS,
  LocaleSchema,
  NewPasswordSchema,
  PersonNameSchema,
  RoleListSchema,
  TimeZoneSchema,
} from '../../domain/identity.ts';
import { onUserChanged } from '../../engine/user-changes.ts';
import { newId } from '../../store/ids.ts';
import {
  emailTaken,
  findBusinessUnit,
  findUserWithRoles,
  insertUser,
  listUsers,
  setRoles,
  type UserWithRoles,
  updateUserRow,
} from '../../store/repos/admin-repo.ts';
import { recordAudit } from '../../store/repos/audit-repo.ts';
import {
  deleteSessionsOfUser,
  revokeTokensOfUser,
  setPasswordHash,
} from '../../store/repos/identity-repo.ts';
import { receivedByOtherOrg } from '../../store/repos/inbound-recipient-repo.ts';
import type { ApiApp } from '../app.ts';
import { requireOrgPermission } from '../auth/guard.ts';
import { hashPassword, refusePersonalPassword } from '../auth/passwords.ts';
import type { AppDeps } from '../deps.ts';
import { decodeCursor, PageQuerySchema, pageSchema, toPage } from '../pagination.ts';
import { HttpProblem, notFoundProblem, ProblemSchema } from '../problems.ts';
import {
  AdminUserSchema,
  conflict,
  ensureAdminRemains,
  errors,
  IdParams,
  UnitId,
} from './admin-route-support.ts';

/** Administration of users: list, read, create, change (roles, unit, active). */
export async function adminRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
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
        // A sign-in address receives mail too (inbound SMTP): not one another organisation's mailbox already uses.
        if (await receivedByOtherOrg(trx, actor.orgId, body.email)) {
          throw conflict('email_taken', 'Another organisation on this server receives mail at this address', [
            'body',
            'email',
          ]);
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
        // Steps handed to the user of records they may no longer work on go back to the records' owners.
        const stepsReturned =
          body.businessUnitId !== undefined || body.roles !== undefined || body.active === false
            ? await onUserChanged(trx, { orgId: actor.orgId, userId: user.id, actorId: actor.userId, now })
            : 0;
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
            ...(stepsReturned > 0 ? { stepsReturned } : {}),
          },
          at: now,
        });
        return after;
      });
    },
  );
}
