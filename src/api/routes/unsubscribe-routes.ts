import { z } from 'zod';
import { recordUnsubscribe } from '../../mail/intake.ts';
import { readMessageToken } from '../../mail/tracking.ts';
import { findMessage } from '../../store/repos/mail-repo.ts';
import type { ApiApp } from '../app.ts';
import type { AppDeps } from '../deps.ts';

/**
 * Unsubscribe: `GET /u/:token` shows a page with a confirm button (a GET never unsubscribes, because link
 * scanners follow links); `POST /u/:token` unsubscribes — both the page's button and RFC 8058 one-click
 * (`List-Unsubscribe=One-Click` posted by the mail client).
 */
const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${title}</title>` +
  '<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#1f2937}' +
  'button{font:inherit;padding:.6rem 1.2rem;border-radius:.4rem;border:0;background:#1d4ed8;color:#fff;cursor:pointer}</style>' +
  `</head><body><h1>${title}</h1>${body}</body></html>`;

function maskAddress(address: string): string {
  const [local = '', domain = ''] = address.split('@');
  return `${local.slice(0, 2)}${'•'.repeat(Math.max(local.length - 2, 1))}@${domain}`;
}

export async function unsubscribeRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  // Wildcards, because tokens are longer than the router's 100-character limit for named parameters.
  const Token = z.object({ '*': z.string().min(1).max(4096) });

  app.get('/u/*', { schema: { hide: true, params: Token } }, async (request, reply) => {
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store');
    const ref = readMessageToken(deps.config.secretKey, 'unsubscribe', request.params['*']);
    const message = ref ? await findMessage(deps.store.db, ref.orgId, ref.messageId) : undefined;
    if (!message)
      return reply.code(404).send(page('Link not valid', '<p>This unsubscribe link is not valid.</p>'));
    return reply.send(
      page(
        'Unsubscribe',
        `<p>Stop emails to <strong>${maskAddress(message.to_address)}</strong>?</p>` +
          `<form method="post" action="/u/${encodeURIComponent(request.params['*'])}"><input type="hidden" name="confirm" value="yes"><button type="submit">Unsubscribe</button></form>`,
      ),
    );
  });

  app.post(
    '/u/*',
    {
      schema: {
        hide: true,
        params: Token,
        body: z
          .object({
            confirm: z.string().max(10).optional(),
            'List-Unsubscribe': z.string().max(50).optional(),
          })
          .optional(),
      },
      config: { rateLimit: { max: 60, timeWindow: '1 minute' } },
    },
    async (request, reply) => {
      reply.type('text/html; charset=utf-8').header('cache-control', 'no-store');
      const ref = readMessageToken(deps.config.secretKey, 'unsubscribe', request.params['*']);
      if (!ref)
        return reply.code(404).send(page('Link not valid', '<p>This unsubscribe link is not valid.</p>'));
      const oneClick = request.body?.['List-Unsubscribe'] === 'One-Click';
      const outcome = await recordUnsubscribe(deps, ref, oneClick ? 'one_click' : 'page');
      if (outcome === 'unknown') {
        return reply.code(404).send(page('Link not valid', '<p>This unsubscribe link is not valid.</p>'));
      }
      return reply.send(page('You are unsubscribed', '<p>You will not receive further emails from us.</p>'));
    },
  );
}
