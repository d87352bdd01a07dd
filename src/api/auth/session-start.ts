import type { FastifyReply } from 'fastify';
import {
  businessUnitName,
  deleteExpiredSessions,
  insertSession,
  loadActor,
} from '../../store/repos/identity-repo.ts';
import type { AppDeps } from '../deps.ts';
import { HttpProblem } from '../problems.ts';
import { SESSION_COOKIE } from './authenticate.ts';
import { hashSecret, randomSecret } from './secrets.ts';

/**
 * Starts a browser session for a user who has proven who they are (password or single sign-on): a fresh random
 * cookie (only its hash is stored) and a CSRF token, returned with the user as `GET /api/me` shows them.
 */
export async function startSession(deps: AppDeps, reply: FastifyReply, orgId: string, userId: string) {
  const actor = await loadActor(deps.store.db, orgId, userId);
  if (!actor) throw new HttpProblem(401, 'invalid_credentials', 'This account is not active');
  const now = deps.clock.now();
  const cookie = randomSecret();
  const csrfToken = randomSecret(24);
  await deleteExpiredSessions(deps.store.db, orgId, userId, now);
  await insertSession(deps.store.db, {
    id: hashSecret(cookie),
    orgId,
    userId,
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
}
