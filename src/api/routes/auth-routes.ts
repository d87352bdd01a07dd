import { z } from 'zod';
import { ORG_ACTIONS, orgPermissions } from '../../domain/permissions/permissions.ts';
import { sessionCsrfToken } from '../../store/queries/directory-lookups.ts';
import {
  businessUnitName,
  deleteSession,
  findUserByEmail,
  rolesOf,
} from '../../store/repos/identity-repo.ts';
import { claimLoginAttempt, clearLoginAttempts } from '../../store/repos/login-attempts-repo.ts';
import { ssoEnforced } from '../../store/repos/sso-repo.ts';
import type { ApiApp } from '../app.ts';
import { CSRF_HEADER, requireActor, SESSION_COOKIE } from '../auth/authenticate.ts';
import { loadPolicy } from '../auth/guard.ts';
import { verifyPassword } from '../auth/passwords.ts';
import { hashSecret, randomSecret, safeEqual } from '../auth/secrets.ts';
import { startSession } from '../auth/session-start.ts';
import { clientKey } from '../client-key.ts';
import type { AppDeps } from '../deps.ts';
import { HttpProblem, ProblemSchema } from '../problems.ts';
import { providerSignOutUrl, SSO_SESSION_COOKIE } from '../sso/sign-out.ts';

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

/**
 * Login CSRF: a page on another site could post the attacker's credentials to the sign-in route and so sign the
 * victim's browser into the attacker's account. Signing in therefore needs a pre-session token:
 * `GET /api/auth/login-token` sets it in an HTTP-only, SameSite=Strict cookie and returns it; the sign-in request
 * sends it back in the `x-login-token` header. Another site can neither read it nor set that header.
 */
export const LOGIN_COOKIE = 'sw_login';
/** Sign-in attempts allowed per account + client address in one window, across all processes. */
export const LOGIN_MAX_ATTEMPTS = 10;
export const LOGIN_WINDOW_MS = 15 * 60_000;
export const LOGIN_HEADER = 'x-login-token';

export async function authRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  app.get(
    '/api/auth/login-token',
    {
      schema: {
        tags: ['auth'],
        summary: `A pre-session token to send as ${LOGIN_HEADER} when signing in (also set as a cookie)`,
        response: { 200: z.object({ loginToken: z.string() }) },
      },
    },
    async (_request, reply) => {
      const loginToken = randomSecret(24);
      reply.header('cache-control', 'no-store');
      reply.setCookie(LOGIN_COOKIE, loginToken, {
        path: '/api/auth',
        httpOnly: true,
        sameSite: 'strict',
        secure: deps.config.cookieSecure,
        maxAge: 2 * 3600,
      });
      return { loginToken };
    },
  );

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
        response: {
          200: MeSchema,
          400: ProblemSchema,
          401: ProblemSchema,
          403: ProblemSchema,
          429: ProblemSchema,
        },
      },
      // Per client address across all processes (the database store); each account has its own limit below.
      config: { rateLimit: { max: 30, timeWindow: '1 minute' } },
    },
    async (request, reply) => {
      const expected = request.cookies[LOGIN_COOKIE];
      const sent = request.headers[LOGIN_HEADER];
      if (!expected || typeof sent !== 'string' || !safeEqual(sent, expected)) {
        throw new HttpProblem(
          403,
          'login_csrf_failed',
          `Get a token from GET /api/auth/login-token and send it as the ${LOGIN_HEADER} header`,
        );
      }
      const now = deps.clock.now();
      // Counted in the database before the password is checked, per account + client address (the real
      // client behind a proxy when TRUST_PROXY says so; an IPv6 client by its /64), so every process shares one limit.
      const throttleKey = hashSecret(`login\n${request.body.email.toLowerCase()}\n${clientKey(request.ip)}`);
      const attempt = await claimLoginAttempt(deps.store.db, throttleKey, now, LOGIN_WINDOW_MS);
      if (attempt.attempts > LOGIN_MAX_ATTEMPTS) {
        const seconds = Math.max(1, Math.ceil((attempt.windowStart + LOGIN_WINDOW_MS - now) / 1000));
        reply.header('retry-after', String(seconds));
        throw new HttpProblem(
          429,
          'too_many_login_attempts',
          `Too many sign-in attempts for this account from your address; try again in ${Math.ceil(seconds / 60)} minute(s)`,
        );
      }
      const user = await findUserByEmail(deps.store.db, request.body.email);
      const ok = await verifyPassword(user?.password_hash, request.body.password);
      if (user?.active !== 1 || !ok)
        throw new HttpProblem(401, 'invalid_credentials', 'Wrong email or password');
      // Enforced single sign-on: only admins keep password sign-in (break-glass when the provider is down).
      if (await ssoEnforced(deps.store.db, user.org_id)) {
        const roles = await rolesOf(deps.store.db, user.org_id, user.id);
        if (!roles.includes('admin'))
          throw new HttpProblem(
            403,
            'sso_required',
            'Your organisation signs in with single sign-on: use the "Sign in with" button',
          );
      }
      await clearLoginAttempts(deps.store.db, throttleKey, now, LOGIN_WINDOW_MS);
      const me = await startSession(deps, reply, user.org_id, user.id);
      reply.clearCookie(LOGIN_COOKIE, { path: '/api/auth' });
      // A password sign-in is not a single sign-on: its sign-out stays local.
      reply.clearCookie(SSO_SESSION_COOKIE, { path: '/api/auth' });
      return { ...me, permissions: orgPermissions(me, await loadPolicy(deps, request, me.orgId)) };
    },
  );

  app.post(
    '/api/auth/logout',
    {
      schema: {
        tags: ['auth'],
        summary:
          'Sign out (ends the session); after a single sign-on, 200 with the provider sign-out URL to follow',
        response: { 200: z.object({ redirectUrl: z.string() }), 204: z.null() },
      },
    },
    async (request, reply) => {
      const redirectUrl = await providerSignOutUrl(deps, request, reply);
      if (request.sessionId) await deleteSession(deps.store.db, request.sessionId);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      if (redirectUrl) return reply.code(200).send({ redirectUrl });
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
        csrfToken = await sessionCsrfToken(deps.store.db, request.sessionId);
      }
      return {
        ...actor,
        businessUnitName: await businessUnitName(deps.store.db, actor.orgId, actor.businessUnitId),
        csrfToken,
        permissions: orgPermissions(actor, await loadPolicy(deps, request, actor.orgId)),
      };
    },
  );
}
