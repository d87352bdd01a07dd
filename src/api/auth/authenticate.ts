import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { type Actor, parseStoredJson, TokenScopeSchema } from '../../domain/identity.ts';
import { hasScope, scopeForMethod } from '../../domain/permissions/token-scopes.ts';
import { findLiveSession, findLiveToken, loadActor, touchToken } from '../../store/repos/identity-repo.ts';
import type { AppDeps } from '../deps.ts';
import { HttpProblem, unauthorized } from '../problems.ts';
import { isMetricsToken } from '../routes/metrics-routes.ts';
import { insufficientScope, tokenExpired } from './scopes.ts';
import { hashSecret, safeEqual } from './secrets.ts';

export const SESSION_COOKIE = 'sw_session';
export const CSRF_HEADER = 'x-csrf-token';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
    /** How the actor was recognised; cookie sessions need CSRF protection on writes, tokens do not. */
    authVia: 'session' | 'token' | null;
    sessionId: string | null;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const TokenScopesJson = z.array(TokenScopeSchema);

/** Recognises the caller from the session cookie or a Bearer token; routes then call `requireActor`. */
export function registerAuthentication(app: FastifyInstance, deps: AppDeps): void {
  app.decorateRequest('actor', null);
  app.decorateRequest('authVia', null);
  app.decorateRequest('sessionId', null);
  app.addHook('onRequest', async (request) => {
    const now = deps.clock.now();
    const header = request.headers.authorization;
    // RFC 7235/6750: the scheme is case-insensitive (`Bearer`, `bearer`), one token68 after it. Other schemes
    // (e.g. Basic from a reverse proxy in front of Stepwise) are not ours and are left alone.
    // Prometheus's METRICS_TOKEN is not an API token: /api/metrics checks it itself.
    if (isMetricsToken(deps, request.url.split('?')[0]!, header)) return;
    if (header !== undefined && /^bearer(\s|$)/i.test(header)) {
      const match = /^bearer[ ]+([A-Za-z0-9\-._~+/]+=*)[ ]*$/i.exec(header);
      if (!match) throw unauthorized('Send `Authorization: Bearer <API token>` with one token');
      const token = await findLiveToken(deps.store.db, hashSecret(match[1]!));
      if (!token) throw unauthorized('The API token is not valid or was revoked');
      if (token.expires_at !== null && token.expires_at <= now) throw tokenExpired();
      const actor = await loadActor(deps.store.db, token.org_id, token.user_id);
      if (!actor) throw unauthorized('The API token belongs to a deactivated user');
      request.actor = { ...actor, tokenScopes: parseStoredJson(TokenScopesJson, token.scopes_json, []) };
      request.authVia = 'token';
      // The one place a token's read/write scope is checked; `admin` is checked where org management is decided
      // (decideOrg), so no route repeats either check.
      const needed = scopeForMethod(request.method);
      if (!hasScope(request.actor, needed)) throw insufficientScope(needed);
      await touchToken(deps.store.db, token.org_id, token.id, now);
      return;
    }
    const cookie = request.cookies[SESSION_COOKIE];
    if (!cookie) return;
    const sessionId = hashSecret(cookie);
    const session = await findLiveSession(deps.store.db, sessionId, now);
    if (!session) return;
    const actor = await loadActor(deps.store.db, session.org_id, session.user_id);
    if (!actor) return;
    if (!SAFE_METHODS.has(request.method)) {
      const sent = request.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !safeEqual(sent, session.csrf_token)) {
        throw new HttpProblem(403, 'csrf_failed', `Send the ${CSRF_HEADER} header given at sign-in`);
      }
    }
    request.actor = actor;
    request.authVia = 'session';
    request.sessionId = sessionId;
  });
}

export function requireActor(request: FastifyRequest): Actor {
  if (!request.actor) throw unauthorized();
  return request.actor;
}
