import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { type Actor, parseStoredJson, TokenScopeSchema } from '../../domain/identity.ts';
import { hasScope, scopeForMethod } from '../../domain/permissions/token-scopes.ts';
import { findLiveSession, findLiveToken, loadActor, touchToken } from '../../store/repos/identity-repo.ts';
import type { AppDeps } from '../deps.ts';
import { HttpProblem, unauthorized } from '../problems.ts';
import { isMetricsToken } from '../routes/metrics-routes.ts';
import { requestCache } from './request-cache.ts';
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
/**
 * Public forms that never act as the signed-in user and carry their own protection: the unsubscribe page (a signed
 * token) and the sign-in form (the pre-session login token). The session cookie is not read for them, so a browser
 * that is also signed in is not refused `csrf_failed` for lacking the header only the app's own pages send.
 */
const SESSIONLESS_ROUTES = new Set(['/u/*', '/api/auth/login']);
/** `last_used_at` is kept to the minute (touchToken writes only when the stored one is older). */
const TOKEN_TOUCH_EVERY_MS = 60_000;
const TokenScopesJson = z.array(TokenScopeSchema);

/** Recognises the caller from the session cookie or a Bearer token; routes then call `requireActor`. */
export function registerAuthentication(app: FastifyInstance, deps: AppDeps): void {
  app.decorateRequest('actor', null);
  app.decorateRequest('authVia', null);
  app.decorateRequest('sessionId', null);
  const cache = requestCache(deps.store);
  const actorOf = (orgId: string, userId: string) =>
    cache.get(`actor\n${orgId}\n${userId}`, () => loadActor(deps.store.db, orgId, userId));
  /** When this process last marked each token used (clock time): the store writes it at most once a minute. */
  const touched = new Map<string, number>();
  const { authWrites } = deps.store;
  /** The authorisation-write count when each request began. */
  const startedAt = new WeakMap<FastifyRequest, number>();
  // A request that may have written a token, user, role or the settings inside a transaction: its commit came
  // after the store's own counts, so whatever another request read meanwhile is dropped now, before this answer
  // is sent. Writes come from unsafe methods and the sign-in routes (SSO provisions users on a GET); reads never
  // bump, so concurrent reads cannot keep each other's cache empty.
  app.addHook('onSend', async (request) => {
    if (SAFE_METHODS.has(request.method) && !request.url.startsWith('/api/auth/')) return;
    const started = startedAt.get(request);
    if (started !== undefined && started !== authWrites.generation()) authWrites.bump();
  });
  app.addHook('onRequest', async (request) => {
    startedAt.set(request, authWrites.generation());
    const now = deps.clock.now();
    const header = request.headers.authorization;
    // RFC 7235/6750: the scheme is case-insensitive (`Bearer`, `bearer`), one token68 after it. Other schemes
    // (e.g. Basic from a reverse proxy in front of Stepwise) are not ours and are left alone.
    // Prometheus's METRICS_TOKEN is not an API token: /api/metrics checks it itself.
    if (isMetricsToken(deps, request.url.split('?')[0]!, header)) return;
    if (header !== undefined && /^bearer(\s|$)/i.test(header)) {
      const match = /^bearer[ ]+([A-Za-z0-9\-._~+/]+=*)[ ]*$/i.exec(header);
      if (!match) throw unauthorized('Send `Authorization: Bearer <API token>` with one token');
      const hash = hashSecret(match[1]!);
      const token = await cache.get(`token\n${hash}`, () => findLiveToken(deps.store.db, hash));
      if (!token) throw unauthorized('The API token is not valid or was revoked');
      if (token.expires_at !== null && token.expires_at <= now) throw tokenExpired();
      const actor = await actorOf(token.org_id, token.user_id);
      if (!actor) throw unauthorized('The API token belongs to a deactivated user');
      request.actor = { ...actor, tokenScopes: parseStoredJson(TokenScopesJson, token.scopes_json, []) };
      request.authVia = 'token';
      // The one place a token's read/write scope is checked; `admin` is checked where org management is decided
      // (decideOrg), so no route repeats either check.
      const needed = scopeForMethod(request.method);
      if (!hasScope(request.actor, needed)) throw insufficientScope(needed);
      const last = touched.get(token.id);
      if (last === undefined || last > now || last < now - TOKEN_TOUCH_EVERY_MS) {
        await touchToken(deps.store.db, token.org_id, token.id, now);
        touched.delete(token.id);
        if (touched.size >= 10_000) touched.clear();
        touched.set(token.id, now);
      }
      return;
    }
    if (SESSIONLESS_ROUTES.has(request.routeOptions.url ?? '')) return;
    const cookie = request.cookies[SESSION_COOKIE];
    if (!cookie) return;
    const sessionId = hashSecret(cookie);
    const session = await findLiveSession(deps.store.db, sessionId, now);
    if (!session) return;
    const actor = await actorOf(session.org_id, session.user_id);
    if (!actor) return;
    if (!SAFE_METHODS.has(request.method)) {
      const sent = request.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !safeEqual(sent, session.csrf_token)) {
        throw new HttpProblem(403, 'csrf_failed', `Send the ${CSRF_HEADER} header given at sign-in`);
      }
    }
    request.actor = { ...actor };
    request.authVia = 'session';
    request.sessionId = sessionId;
  });
}

/**
 * Whether the credential the request was recognised by still holds — for long responses (the notification stream):
 * the session not ended, the token not revoked or expired, the user still active.
 */
export async function credentialStillValid(deps: AppDeps, request: FastifyRequest): Promise<boolean> {
  const actor = request.actor;
  if (!actor) return false;
  const now = deps.clock.now();
  if (request.authVia === 'session') {
    if (!request.sessionId || !(await findLiveSession(deps.store.db, request.sessionId, now))) return false;
  } else if (request.authVia === 'token') {
    const secret = /^bearer[ ]+([A-Za-z0-9\-._~+/]+=*)/i.exec(request.headers.authorization ?? '')?.[1];
    const token = secret ? await findLiveToken(deps.store.db, hashSecret(secret)) : undefined;
    if (!token || (token.expires_at !== null && token.expires_at <= now)) return false;
  }
  return (await loadActor(deps.store.db, actor.orgId, actor.userId)) !== undefined;
}

export function requireActor(request: FastifyRequest): Actor {
  if (!request.actor) throw unauthorized();
  return request.actor;
}
