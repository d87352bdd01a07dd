import { z } from 'zod';
import { renderTemplate } from '../../mail/render.ts';
import { sanitizeEmailHtml } from '../../mail/sanitize.ts';
import { recordAudit } from '../../store/repos/audit-repo.ts';
import { findSignature, saveSignature } from '../../store/repos/signatures-repo.ts';
import type { ApiApp } from '../app.ts';
import { requireActor } from '../auth/authenticate.ts';
import type { AppDeps } from '../deps.ts';
import { HttpProblem, ProblemSchema } from '../problems.ts';

const SignatureSchema = z
  .object({
    /** Sanitised HTML; may use the sender's placeholders (`{{ owner.phone }}`). Empty: no signature. */
    html: z.string(),
    /** Also added to automated emails sent from your mailbox (default true). */
    automated: z.boolean(),
  })
  .meta({ id: 'Signature' });

const SignatureBody = z.strictObject({
  html: z.string().max(20_000),
  automated: z.boolean().optional(),
});

/**
 * Your personal email signature (Settings → Profile): added after the body in compose, manual email steps and
 * bulk email, and to automated emails sent as you unless you turn that off.
 */
export async function signatureRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  app.get(
    '/api/me/signature',
    {
      schema: {
        tags: ['profile'],
        summary: 'Your email signature',
        response: { 200: SignatureSchema, 401: ProblemSchema },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const found = await findSignature(deps.store.db, actor.orgId, actor.userId);
      return found ?? { html: '', automated: true };
    },
  );

  app.put(
    '/api/me/signature',
    {
      schema: {
        tags: ['profile'],
        summary: 'Set your email signature (sanitised; an empty one removes it)',
        body: SignatureBody,
        response: { 200: SignatureSchema, 401: ProblemSchema, 422: ProblemSchema },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const html = sanitizeEmailHtml(request.body.html).trim();
      const plain = html.replace(/<[^>]*>/g, '').trim();
      const stored = plain === '' && !/<img/i.test(html) ? '' : html;
      // The signature is part of the template source of every email it is added to: it must parse.
      const check = renderTemplate({ subject: '', bodyHtml: stored }, { record: {}, owner: {}, org: {} });
      if (check.errors.length > 0) {
        throw new HttpProblem(422, 'template_error', `The signature has errors: ${check.errors.join('; ')}`);
      }
      const automated = request.body.automated ?? true;
      const now = deps.clock.now();
      await deps.store.db.transaction().execute(async (trx) => {
        await saveSignature(trx, { orgId: actor.orgId, userId: actor.userId, html: stored, automated, now });
        await recordAudit(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          action: 'profile.signature',
          resourceType: 'user',
          resourceId: actor.userId,
          after: { automated, length: stored.length },
          at: now,
        });
      });
      return { html: stored, automated };
    },
  );
}
