import { z } from 'zod';
import {
  businessUnitName,
  deleteExpiredSessions,
  deleteSession,
  findUserByEmail,
  insertSession,
  loadActor,
} from '../../store/repos/identity-repo.ts';
import type { ApiApp } from '../app.ts';
import { CSRF_HEADER, requireActor, SESSION_COOKIE } from '../auth/authenticate.ts';
import { verifyPassword } from '../auth/passwords.ts';
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
      };
    },
  );
}
