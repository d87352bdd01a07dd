import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { linkIsInMessage, recordClick, recordOpen } from '../../mail/intake.ts';
import { PIXEL_GIF, readClickToken, readMessageToken } from '../../mail/tracking.ts';
import type { ApiApp } from '../app.ts';
import type { AppDeps } from '../deps.ts';

/**
 * Public tracking endpoints embedded in sent emails: the open pixel and signed click redirects. They never
 * fail visibly (a broken pixel must not show in the recipient's mail client) and redirect only to the URL
 * inside a valid signed token, so they cannot be used as an open redirect.
 */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(reply: FastifyReply, status: number, title: string, body: string) {
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(`<!doctype html><meta charset="utf-8"><title>${title}</title>${body}`);
}

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
      const token = request.params['*'];
      const ref = readClickToken(deps.config.secretKey, token, deps.clock.now());
      if (!ref) return page(reply, 404, 'Link not found', '<p>This link is not valid.</p>');
      if (ref.expired) {
        return page(
          reply,
          410,
          'Link expired',
          `<p>This link has expired. It pointed to:</p><p><code>${escapeHtml(ref.url)}</code></p>`,
        );
      }
      if (!(await linkIsInMessage(deps, ref, token))) {
        // Signed, but not a link of the email that was sent: do not redirect blindly, let the person decide.
        return page(
          reply,
          200,
          'Leaving Stepwise',
          `<p>This link leads to another site:</p><p><code>${escapeHtml(ref.url)}</code></p>` +
            `<p><a href="${escapeHtml(ref.url)}" rel="noopener noreferrer">Continue to this site</a></p>`,
        );
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
