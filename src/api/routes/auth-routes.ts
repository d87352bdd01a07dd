import { z } from 'zod';
import { NewPasswordSchema } from '../../domain/identity.ts';
import { ORG_ACTIONS, orgPermissions } from '../../domain/permissions/permissions.ts';
import { recordAudit } from '../../store/repos/audit-repo.ts';
import {
  businessUnitName,
  deleteExpiredSessions,
  deleteSession,
  deleteSessionsOfUser,
  findUser,
  findUserByEmail,
  insertSession,
  loadActor,
  setPasswordHash,
} from '../../store/repos/identity-repo.ts';
import type { ApiApp } from '../app.ts';
import { CSRF_HEADER, requireActor, SESSION_COOKIE } from '../auth/authenticate.ts';
import { loadPolicy } from '../auth/guard.ts';
import { hashPassword, verifyPassword } from '../auth/passwords.ts';
import { hashSecret, randomSecret } from '../auth/secrets.ts';
import type { AppDeps } from '../deps.ts';
import { HttpProblem, ProblemSchema } from '../problems.ts';

export const MeSchema = z
  .object({
    userId: z.string(),
    orgId: z.string(),
    businessUnitId: z.string(),
    name: z.string(),
    email: z.string(),
    locale: z.string(),
    roles: z.array(z.string()),
    businessUnitName: z.string(),
    csrfToken: z.string().nullable(),
    /** Organisation-wide permissions (`create_sequence` also covers connecting and copying); sent by `/api/me`. */
    permissions: z.record(z.enum(ORG_ACTIONS), z.boolean()).optional(),
  })
  .meta({ id: 'Me' });

export async function authRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  app.post(
    '/api/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign in with email and password; sets the session cookie',
        body: z.strictObject({
          email: z.string().trim().min(3).max(320),
          password: z.string().min(1).max(500),
        }),
        response: { 200: MeSchema, 400: ProblemSchema, 401: ProblemSchema, 429: ProblemSchema },
      },
      config: { rateLimit: { max: 10, timeWindow: '1 minute' } },
    },
    async (request, reply) => {
      const user = await findUserByEmail(deps.store.db, request.body.email);
      const ok = await verifyPassword(user?.password_hash, request.body.password);
      if (user?.active !== 1 || !ok)
        throw new HttpProblem(401, 'invalid_credentials', 'Wrong email or password');
      const actor = (await loadActor(deps.store.db, user.org_id, user.id))!;
      const now = deps.clock.now();
      const cookie = randomSecret();
      const csrfToken = randomSecret(24);
      await deleteExpiredSessions(deps.store.db, user.org_id, user.id, now);
      await insertSession(deps.store.db, {
        id: hashSecret(cookie),
        orgId: user.org_id,
        userId: user.id,
        csrfToken,
        expiresAt: now + deps.config.sessionTtlMs,
        now,
      });
      reply.setCookie(SESSION_COOKIE, cookie, {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: deps.config.cookieSecure,
        maxAge: Math.floor(deps.config.sessionTtlMs / 1000),
      });
      return {
        ...actor,
        businessUnitName: await businessUnitName(deps.store.db, actor.orgId, actor.businessUnitId),
        csrfToken,
        permissions: orgPermissions(actor, await loadPolicy(deps, request, actor.orgId)),
      };
    },
  );

  app.post(
    '/api/auth/logout',
    { schema: { tags: ['auth'], summary: 'Sign out (ends the session)', response: { 204: z.null() } } },
    async (request, reply) => {
      if (request.sessionId) await deleteSession(deps.store.db, request.sessionId);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/me',
    {
      schema: {
        tags: ['auth'],
        summary: `The signed-in user; for cookie sessions also the CSRF token to send as ${CSRF_HEADER}`,
        response: { 200: MeSchema, 401: ProblemSchema },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      let csrfToken: string | null = null;
      if (request.sessionId) {
        const session = await deps.store.db
          .selectFrom('sessions')
          .select('csrf_token')
          .where('id', '=', request.sessionId)
          .executeTakeFirst();
        csrfToken = session?.csrf_token ?? null;
      }
      return {
        ...actor,
        businessUnitName: await businessUnitName(deps.store.db, actor.orgId, actor.businessUnitId),
        csrfToken,
        permissions: orgPermissions(actor, await loadPolicy(deps, request, actor.orgId)),
      };
    },
  );

  app.post(
    '/api/me/password',
    {
      schema: {
        tags: ['auth'],
        summary: 'Change your password; ends your other sessions',
        body: z.strictObject({
          currentPassword: z.string().min(1).max(500),
          newPassword: NewPasswordSchema,
        }),
        response: { 204: z.null(), 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema },
      },
    },
    async (request, reply) => {
      const actor = requireActor(request);
      const user = await findUser(deps.store.db, actor.orgId, actor.userId);
      if (!user || !(await verifyPassword(user.password_hash, request.body.currentPassword))) {
        throw new HttpProblem(403, 'wrong_password', 'The current password is not right', [
          { path: ['body', 'currentPassword'], code: 'wrong_password', message: 'Not your current password' },
        ]);
      }
      const hash = await hashPassword(request.body.newPassword);
      const now = deps.clock.now();
      await deps.store.db.transaction().execute(async (trx) => {
        await setPasswordHash(trx, actor.orgId, actor.userId, hash);
        const ended = await deleteSessionsOfUser(trx, actor.orgId, actor.userId, request.sessionId);
        await recordAudit(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          action: 'user.password_changed',
          resourceType: 'user',
          resourceId: actor.userId,
          after: { otherSessionsEnded: ended },
          at: now,
        });
      });
      return reply.code(204).send(null);
    },
  );
}
