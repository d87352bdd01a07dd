import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { decideOrg } from '../../domain/permissions/permissions.ts';
import { decideEmailTemplate, type EmailTemplateAction } from '../../domain/templates/permissions.ts';
import { renderComposed } from '../../mail/compose.ts';
import { messageIdFor } from '../../mail/delivery.ts';
import { newId } from '../../store/ids.ts';
import {
  findEmailTemplate,
  insertEmailTemplate,
  toEmailTemplate,
} from '../../store/repos/email-templates-repo.ts';
import { queueFinalEmail } from '../../store/repos/final-email-repo.ts';
import { findUser } from '../../store/repos/identity-repo.ts';
import { findSignature } from '../../store/repos/signatures-repo.ts';
import { setTemplateTags, templateTagsOfOrg } from '../../store/repos/template-tags-repo.ts';
import type { ApiApp } from '../app.ts';
import { requireActor } from '../auth/authenticate.ts';
import { enforce, loadPolicy } from '../auth/guard.ts';
import type { AppDeps } from '../deps.ts';
import { HttpProblem, notFoundProblem, ProblemSchema } from '../problems.ts';
import { loadRecordFor } from './connection-route-support.ts';
import { EmailTemplateSchema } from './email-template-routes.ts';

const IdParams = z.object({ id: z.string().min(1).max(100) });
const TagSchema = z
  .string()
  .trim()
  .min(1)
  .max(50)
  .regex(/^[^,]+$/, 'A tag has no commas');

/**
 * The template editor's tools: copy (also of built-in templates, which are read-only), tags to filter by, and
 * "send me a test" — the template rendered for a chosen record, sent to your own address over SMTP.
 */
export async function templateToolsRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  const db = deps.store.db;

  async function guard(request: FastifyRequest, id: string, action: EmailTemplateAction) {
    const actor = requireActor(request);
    const row = await findEmailTemplate(db, actor.orgId, id);
    if (!row) throw notFoundProblem('Email template');
    enforce(
      decideEmailTemplate(actor, action, { ownerId: row.owner_id, builtin: row.builtin === 1 }),
      'Email template',
    );
    return { actor, row };
  }

  app.post(
    '/api/email-templates/:id/copy',
    {
      schema: {
        tags: ['email-templates'],
        summary: 'Copy an email template (yours afterwards; its tags come along)',
        params: IdParams,
        response: { 201: EmailTemplateSchema, 403: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request, reply) => {
      const { actor, row } = await guard(request, request.params.id, 'view');
      enforce(
        decideOrg(actor, await loadPolicy(deps, request, actor.orgId), 'create_sequence'),
        'Email template',
      );
      const copy = await db.transaction().execute(async (trx) => {
        const created = await insertEmailTemplate(trx, {
          name: `Copy of ${row.name}`.slice(0, 200),
          language: row.language as 'en' | 'pl',
          subject: row.subject,
          bodyHtml: row.body_html,
          bodyText: row.body_text,
          recordType: row.record_type,
          orgId: actor.orgId,
          ownerId: actor.userId,
          now: deps.clock.now(),
        });
        const tags = (await templateTagsOfOrg(trx, actor.orgId)).get(row.id) ?? [];
        await setTemplateTags(trx, actor.orgId, created.id, tags);
        return created;
      });
      return reply.code(201).send(toEmailTemplate(copy));
    },
  );

  app.get(
    '/api/email-templates/tags',
    {
      schema: {
        tags: ['email-templates'],
        summary: "The tags of the organisation's email templates, by template id",
        response: { 200: z.object({ tags: z.record(z.string(), z.array(z.string())) }) },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      return { tags: Object.fromEntries(await templateTagsOfOrg(db, actor.orgId)) };
    },
  );

  app.put(
    '/api/email-templates/:id/tags',
    {
      schema: {
        tags: ['email-templates'],
        summary: "Set an email template's tags",
        params: IdParams,
        body: z.strictObject({ tags: z.array(TagSchema).max(20) }),
        response: {
          200: z.object({ tags: z.array(z.string()) }),
          403: ProblemSchema,
          404: ProblemSchema,
        },
      },
    },
    async (request) => {
      const { actor } = await guard(request, request.params.id, 'edit');
      const tags = [...new Set(request.body.tags.map((tag) => tag.trim()))].sort();
      await setTemplateTags(db, actor.orgId, request.params.id, tags);
      return { tags };
    },
  );

  app.post(
    '/api/email-templates/:id/test',
    {
      schema: {
        tags: ['email-templates'],
        summary:
          'Send me a test: the template rendered for a record (with your signature) to your own address over SMTP',
        params: IdParams,
        body: z.strictObject({ recordId: z.string().min(1).max(100) }),
        response: {
          202: z.object({ outboundMessageId: z.string(), to: z.string() }),
          404: ProblemSchema,
          422: ProblemSchema,
        },
      },
    },
    async (request, reply) => {
      const { actor, row } = await guard(request, request.params.id, 'view');
      const record = await loadRecordFor(deps, request, actor, request.body.recordId, 'view');
      const signature = (await findSignature(db, actor.orgId, actor.userId))?.html ?? '';
      const rendered = await renderComposed(
        db,
        { org_id: actor.orgId, id: record.id, connection_id: '', record_id: record.id },
        actor.userId,
        { subject: row.subject, html: `${row.body_html}${signature}` },
      );
      if (rendered.errors.length > 0 || rendered.missing.length > 0) {
        throw new HttpProblem(
          422,
          rendered.errors.length > 0 ? 'template_error' : 'missing_placeholders',
          `For this record the email would be held: ${[...rendered.errors, ...rendered.missing].join(', ')}`,
        );
      }
      const me = await findUser(db, actor.orgId, actor.userId);
      if (!me) throw notFoundProblem('User');
      const now = deps.clock.now();
      const id = newId(now);
      await queueFinalEmail(db, {
        orgId: actor.orgId,
        id,
        recordId: null,
        senderId: actor.userId,
        to: me.email,
        subject: `[Test] ${rendered.subject}`,
        html: rendered.html,
        messageId: messageIdFor({ id, message_id: '' }, deps.config.publicUrl),
        now,
        idempotencyKey: `template-test:${id}`,
      });
      return reply.code(202).send({ outboundMessageId: id, to: me.email });
    },
  );
}
