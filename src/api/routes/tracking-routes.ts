import { z } from 'zod';
import { recordClick, recordOpen } from '../../mail/intake.ts';
import { PIXEL_GIF, readClickToken, readMessageToken } from '../../mail/tracking.ts';
import type { ApiApp } from '../app.ts';
import type { AppDeps } from '../deps.ts';

/**
 * Public tracking endpoints embedded in sent emails: the open pixel and signed click redirects. They never
 * fail visibly (a broken pixel must not show in the recipient's mail client) and redirect only to the URL
 * inside a valid signed token, so they cannot be used as an open redirect.
 */
export async function trackingRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  // Wildcards, because tokens are longer than the router's 100-character limit for named parameters.
  const Token = z.object({ '*': z.string().min(1).max(4096) });

  app.get(
    '/t/o/*',
    { schema: { hide: true, params: Token }, config: { rateLimit: { max: 600, timeWindow: '1 minute' } } },
    async (request, reply) => {
      const ref = readMessageToken(deps.config.secretKey, 'open', request.params['*'].replace(/\.gif$/, ''));
      if (ref) {
        try {
          await recordOpen(deps, ref, { userAgent: request.headers['user-agent'], ip: request.ip });
        } catch (error) {
          request.log.error({ err: error }, 'recording an open failed');
        }
      }
      return reply
        .header('cache-control', 'no-store, no-cache, must-revalidate, private')
        .header('pragma', 'no-cache')
        .type('image/gif')
        .send(PIXEL_GIF);
    },
  );

  app.get(
    '/t/c/*',
    { schema: { hide: true, params: Token }, config: { rateLimit: { max: 600, timeWindow: '1 minute' } } },
    async (request, reply) => {
      const ref = readClickToken(deps.config.secretKey, request.params['*']);
      if (!ref) {
        return reply
          .code(404)
          .type('text/html; charset=utf-8')
          .send('<!doctype html><title>Link not found</title><p>This link is not valid.</p>');
      }
      try {
        await recordClick(deps, ref, { userAgent: request.headers['user-agent'], ip: request.ip });
      } catch (error) {
        request.log.error({ err: error }, 'recording a click failed');
      }
      return reply.header('cache-control', 'no-store').redirect(ref.url, 302);
    },
  );
}
