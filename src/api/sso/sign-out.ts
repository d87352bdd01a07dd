import type { FastifyReply, FastifyRequest } from 'fastify';
import * as client from 'openid-client';
import { signToken, verifyToken } from '../../mail/secrets.ts';
import { findSsoProviderById } from '../../store/repos/sso-repo.ts';
import type { AppDeps } from '../deps.ts';
import { discoverProvider } from './oidc.ts';

/**
 * Sign-out at the provider (RP-initiated logout). An SSO sign-in leaves a signed HTTP-only cookie naming the
 * provider, the user and the ID token; signing out of Stepwise then sends the browser to the provider's
 * `end_session_endpoint` with `id_token_hint` and `post_logout_redirect_uri` (the sign-in page), when the
 * provider's discovery document has one. Without it, or without the cookie, only the local session ends.
 */
export const SSO_SESSION_COOKIE = 'sw_sso_session';
const COOKIE_PATH = '/api/auth';
const PURPOSE = 'sso-session';

export function rememberSsoSession(
  deps: AppDeps,
  reply: FastifyReply,
  session: { providerId: string; userId: string; idToken: string },
): void {
  const value = signToken(deps.config.secretKey, PURPOSE, session);
  // An ID token too large for a cookie just means the sign-out stays local.
  if (value.length > 3800) return;
  reply.setCookie(SSO_SESSION_COOKIE, value, {
    path: COOKIE_PATH,
    httpOnly: true,
    sameSite: 'lax',
    secure: deps.config.cookieSecure,
    maxAge: Math.floor(deps.config.sessionTtlMs / 1000),
  });
}

/** Where the browser goes to sign out at the provider, or null; clears the cookie either way. */
export async function providerSignOutUrl(
  deps: AppDeps,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<string | null> {
  const raw = request.cookies[SSO_SESSION_COOKIE];
  if (!raw) return null;
  reply.clearCookie(SSO_SESSION_COOKIE, { path: COOKIE_PATH });
  const session = verifyToken(deps.config.secretKey, PURPOSE, raw);
  if (!session?.providerId || !session.idToken || session.userId !== request.actor?.userId) return null;
  const provider = await findSsoProviderById(deps.store.db, session.providerId);
  if (!provider) return null;
  try {
    const configuration = await discoverProvider(deps.config, provider);
    if (!configuration.serverMetadata().end_session_endpoint) return null;
    return client.buildEndSessionUrl(configuration, {
      id_token_hint: session.idToken,
      post_logout_redirect_uri: `${deps.config.publicUrl}/`,
    }).href;
  } catch (error) {
    // The provider is unreachable: the local session still ends.
    request.log.warn({ err: error, provider: provider.id }, 'SSO sign-out: provider discovery failed');
    return null;
  }
}
