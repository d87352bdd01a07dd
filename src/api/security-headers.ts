import fastifyHelmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.ts';

/**
 * Security headers on every response (`@fastify/helmet`), see docs/security.md:
 * - CSP: scripts only from our own origin (no inline script, no `eval`), nothing may frame Stepwise
 *   (`frame-ancestors 'none'`, plus `X-Frame-Options: DENY` for old browsers), forms post only to us.
 *   Inline *styles* stay allowed: the UI's charts and canvas position elements with style attributes, and the
 *   email preview shows the email's own inline CSS. Images may come from any https: host (email previews).
 * - `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer` (tracking and unsubscribe tokens and
 *   record ids never leak to other sites).
 * - HSTS (one year) and `upgrade-insecure-requests` only when `PUBLIC_URL` is https: on a plain-http install
 *   they would make browsers refuse to reach it.
 * The open pixel (`/t/o/…`) is embedded by mail clients on other sites, so it is `Cross-Origin-Resource-Policy:
 * cross-origin`; everything else is same-origin.
 */
export async function registerSecurityHeaders(
  app: FastifyInstance,
  config: Pick<Config, 'publicUrl'>,
): Promise<void> {
  const https = config.publicUrl.startsWith('https://');
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'base-uri': ["'self'"],
        'script-src': ["'self'"],
        'script-src-attr': ["'none'"],
        'style-src': ["'self'", "'unsafe-inline'"],
        'img-src': ["'self'", 'data:', 'https:'],
        'font-src': ["'self'", 'data:'],
        'connect-src': ["'self'"],
        'object-src': ["'none'"],
        'frame-src': ["'self'"],
        'frame-ancestors': ["'none'"],
        'form-action': ["'self'"],
        ...(https ? { 'upgrade-insecure-requests': [] } : {}),
      },
    },
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: https ? { maxAge: 31_536_000, includeSubDomains: false } : false,
    crossOriginResourcePolicy: { policy: 'same-origin' },
    crossOriginEmbedderPolicy: false,
  });
  app.addHook('onSend', async (request, reply) => {
    if (request.url.startsWith('/t/o/')) reply.header('cross-origin-resource-policy', 'cross-origin');
  });
}
