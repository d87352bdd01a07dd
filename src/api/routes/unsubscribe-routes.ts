import { z } from 'zod';
import { recordUnsubscribe } from '../../mail/intake.ts';
import { readMessageToken } from '../../mail/tracking.ts';
import { findMessage } from '../../store/repos/mail-repo.ts';
import type { ApiApp } from '../app.ts';
import type { AppDeps } from '../deps.ts';
import { recipientLanguage, unsubscribePage, unsubscribeTexts } from './unsubscribe-page.ts';

/**
 * Unsubscribe: `GET /u/:token` shows a page with a confirm button (a GET never unsubscribes, because link
 * scanners follow links); `POST /u/:token` unsubscribes — both the page's button and RFC 8058 one-click
 * (`List-Unsubscribe=One-Click` posted by the mail client).
 */
function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  const local = at < 0 ? address : address.slice(0, at);
  const domain = at < 0 ? '' : address.slice(at + 1);
  // The address is the recipient's (a reply goes to the From of the prospect's message): text, never markup.
  return escapeHtml(`${local.slice(0, 2)}${'•'.repeat(Math.max(local.length - 2, 1))}@${domain}`);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export async function unsubscribeRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  // Wildcards, because tokens are longer than the router's 100-character limit for named parameters.
  const Token = z.object({ '*': z.string().min(1).max(4096) });

  app.get('/u/*', { schema: { hide: true, params: Token } }, async (request, reply) => {
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store');
    const ref = readMessageToken(deps.config.secretKey, 'unsubscribe', request.params['*']);
    const message = ref ? await findMessage(deps.store.db, ref.orgId, ref.messageId) : undefined;
    const language = await recipientLanguage(deps.store.db, message, request.headers['accept-language']);
    const t = unsubscribeTexts(language);
    if (!message)
      return reply.code(404).send(unsubscribePage(language, t.invalidTitle, `<p>${t.invalidBody}</p>`));
    return reply.send(
      unsubscribePage(
        language,
        t.confirmTitle,
        `<p>${t.confirmQuestion(maskAddress(message.to_address))}</p>` +
          `<form method="post" action="/u/${encodeURIComponent(request.params['*'])}"><input type="hidden" name="confirm" value="yes"><button type="submit">${t.confirmButton}</button></form>`,
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
      const message = ref ? await findMessage(deps.store.db, ref.orgId, ref.messageId) : undefined;
      const language = await recipientLanguage(deps.store.db, message, request.headers['accept-language']);
      const t = unsubscribeTexts(language);
      const invalid = () =>
        reply.code(404).send(unsubscribePage(language, t.invalidTitle, `<p>${t.invalidBody}</p>`));
      if (!ref) return invalid();
      const oneClick = request.body?.['List-Unsubscribe'] === 'One-Click';
      const outcome = await recordUnsubscribe(deps, ref, oneClick ? 'one_click' : 'page');
      if (outcome === 'unknown') return invalid();
      return reply.send(unsubscribePage(language, t.doneTitle, `<p>${t.doneBody}</p>`));
    },
  );
}
