import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { decideOrg, decideRecord } from '../../domain/permissions/permissions.ts';
import { RecordTypeSchema } from '../../domain/sequence/definition.ts';
import { TEMPLATE_LANGUAGES } from '../../domain/templates/builtin-emails.ts';
import { decideEmailTemplate, type EmailTemplateAction } from '../../domain/templates/permissions.ts';
import { type RenderContext, renderTemplate, type TemplateSource } from '../../mail/render.ts';
import { orgName, userContact } from '../../store/queries/directory-lookups.ts';
import {
  deleteEmailTemplate,
  findEmailTemplate,
  insertEmailTemplate,
  listEmailTemplates,
  toEmailTemplate,
  updateEmailTemplate,
} from '../../store/repos/email-templates-repo.ts';
import { findRecord } from '../../store/repos/records-repo.ts';
import type { ApiApp } from '../app.ts';
import { requireActor } from '../auth/authenticate.ts';
import { enforce, loadPolicy } from '../auth/guard.ts';
import type { AppDeps } from '../deps.ts';
import { decodeCursor, PageQuerySchema, pageSchema, toPage } from '../pagination.ts';
import { HttpProblem, notFoundProblem, ProblemSchema } from '../problems.ts';

const LanguageSchema = z.enum(TEMPLATE_LANGUAGES);

export const EmailTemplateSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    language: z.string(),
    subject: z.string(),
    bodyHtml: z.string(),
    bodyText: z.string().nullable(),
    recordType: RecordTypeSchema.nullable(),
    ownerId: z.string().nullable(),
    builtin: z.boolean(),
    createdAt: z.number(),
    updatedAt: z.number(),
  })
  .meta({ id: 'EmailTemplate' });

const fields = {
  name: z.string().trim().min(1).max(200),
  language: LanguageSchema,
  subject: z.string().trim().min(1).max(998),
  bodyHtml: z.string().min(1).max(200_000),
  bodyText: z.string().max(200_000).nullable(),
  recordType: RecordTypeSchema.nullable(),
};
const CreateBody = z.strictObject({
  ...fields,
  bodyText: fields.bodyText.default(null),
  recordType: fields.recordType.default(null),
});
const UpdateBody = z.strictObject({
  name: fields.name.optional(),
  language: fields.language.optional(),
  subject: fields.subject.optional(),
  bodyHtml: fields.bodyHtml.optional(),
  bodyText: fields.bodyText.optional(),
  recordType: fields.recordType.optional(),
});

export const PreviewSchema = z
  .object({
    subject: z.string(),
    html: z.string(),
    text: z.string(),
    /** Placeholders with no value and no fallback: such an email would be held, not sent. */
    missing: z.array(z.string()),
    errors: z.array(z.string()),
  })
  .meta({ id: 'EmailPreview' });

const IdParams = z.object({ id: z.string().min(1).max(100) });
const CursorShape = z.object({ name: z.string(), id: z.string() });

export async function emailTemplateRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  const db = deps.store.db;

  async function guardTemplate(request: FastifyRequest, id: string, action: EmailTemplateAction) {
    const actor = requireActor(request);
    const row = await findEmailTemplate(db, actor.orgId, id);
    if (!row) throw notFoundProblem('Email template');
    enforce(
      decideEmailTemplate(actor, action, { ownerId: row.owner_id, builtin: row.builtin === 1 }),
      'Email template',
    );
    return { actor, row };
  }

  /** Renders against a record the actor may see, sent as its owner. */
  async function preview(request: FastifyRequest, template: TemplateSource, recordId: string) {
    const actor = requireActor(request);
    const record = await findRecord(db, actor.orgId, recordId);
    if (!record) throw notFoundProblem('Record');
    const policy = await loadPolicy(deps, request, actor.orgId);
    enforce(
      decideRecord(actor, policy, 'view', {
        ownerId: record.owner_id,
        businessUnitId: record.business_unit_id,
      }),
      'Record',
    );
    const [owner, name] = await Promise.all([
      userContact(db, actor.orgId, record.owner_id),
      orgName(db, actor.orgId),
    ]);
    const { custom_json, org_id: _org, ...core } = record;
    let custom: Record<string, unknown> = {};
    try {
      custom = JSON.parse(custom_json) as Record<string, unknown>;
    } catch {
      custom = {};
    }
    const context: RenderContext = {
      record: { ...custom, ...core },
      owner: { name: owner?.name ?? null, email: owner?.email ?? null },
      org: { name },
    };
    return renderTemplate(template, context);
  }

  app.get(
    '/api/email-templates',
    {
      schema: {
        tags: ['email-templates'],
        summary: 'Email templates (built-in and your organisation’s), filtered by language and record type',
        querystring: PageQuerySchema.extend({
          language: LanguageSchema.optional(),
          recordType: RecordTypeSchema.optional(),
          q: z.string().trim().max(200).optional(),
        }),
        response: { 200: pageSchema(EmailTemplateSchema), 400: ProblemSchema },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const { limit, cursor, language, recordType, q } = request.query;
      const after = decodeCursor(cursor, CursorShape);
      const rows = await listEmailTemplates(
        db,
        actor.orgId,
        { ...(language ? { language } : {}), ...(recordType ? { recordType } : {}), ...(q ? { q } : {}) },
        { limit, ...(after ? { after } : {}) },
      );
      return toPage(rows, limit, toEmailTemplate, (row) => ({ name: row.name, id: row.id }));
    },
  );

  app.get(
    '/api/email-templates/:id',
    {
      schema: {
        tags: ['email-templates'],
        summary: 'One email template',
        params: IdParams,
        response: { 200: EmailTemplateSchema, 404: ProblemSchema },
      },
    },
    async (request) => toEmailTemplate((await guardTemplate(request, request.params.id, 'view')).row),
  );

  app.post(
    '/api/email-templates',
    {
      schema: {
        tags: ['email-templates'],
        summary:
          'Create an email template (LiquidJS placeholders: record, owner, org; use `| default:` fallbacks)',
        body: CreateBody,
        response: { 201: EmailTemplateSchema, 403: ProblemSchema },
      },
    },
    async (request, reply) => {
      const actor = requireActor(request);
      enforce(
        decideOrg(actor, await loadPolicy(deps, request, actor.orgId), 'create_sequence'),
        'Email template',
      );
      const row = await db.transaction().execute((trx) =>
        insertEmailTemplate(trx, {
          ...request.body,
          orgId: actor.orgId,
          ownerId: actor.userId,
          now: deps.clock.now(),
        }),
      );
      return reply.code(201).send(toEmailTemplate(row));
    },
  );

  app.put(
    '/api/email-templates/:id',
    {
      schema: {
        tags: ['email-templates'],
        summary: 'Change an email template (not built-in ones)',
        params: IdParams,
        body: UpdateBody,
        response: { 200: EmailTemplateSchema, 403: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const { actor } = await guardTemplate(request, request.params.id, 'edit');
      const body = Object.fromEntries(
        Object.entries(request.body).filter(([, value]) => value !== undefined),
      );
      const row = await db.transaction().execute((trx) =>
        updateEmailTemplate(trx, {
          ...body,
          orgId: actor.orgId,
          id: request.params.id,
          actorId: actor.userId,
          now: deps.clock.now(),
        }),
      );
      return toEmailTemplate(row);
    },
  );

  app.delete(
    '/api/email-templates/:id',
    {
      schema: {
        tags: ['email-templates'],
        summary: 'Delete an email template no sequence uses',
        params: IdParams,
        response: { 204: z.null(), 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema },
      },
    },
    async (request, reply) => {
      const { actor } = await guardTemplate(request, request.params.id, 'delete');
      await db.transaction().execute((trx) =>
        deleteEmailTemplate(trx, {
          orgId: actor.orgId,
          id: request.params.id,
          actorId: actor.userId,
          now: deps.clock.now(),
        }),
      );
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/email-templates/:id/preview',
    {
      schema: {
        tags: ['email-templates'],
        summary: 'Render a template for a record; `missing` lists placeholders without a value or fallback',
        params: IdParams,
        body: z.strictObject({ recordId: z.string().min(1).max(100) }),
        response: { 200: PreviewSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const { row } = await guardTemplate(request, request.params.id, 'view');
      return preview(
        request,
        { subject: row.subject, bodyHtml: row.body_html, bodyText: row.body_text },
        request.body.recordId,
      );
    },
  );

  app.post(
    '/api/email-templates/preview',
    {
      schema: {
        tags: ['email-templates'],
        summary: 'Render unsaved template text for a record (the editor’s live preview)',
        body: z.strictObject({
          subject: z.string().max(998),
          bodyHtml: z.string().max(200_000),
          bodyText: z.string().max(200_000).nullable().default(null),
          recordId: z.string().min(1).max(100),
        }),
        response: { 200: PreviewSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const { recordId, ...template } = request.body;
      if (!template.subject && !template.bodyHtml) {
        throw new HttpProblem(422, 'template_empty', 'Write a subject or a body to preview');
      }
      return preview(request, template, recordId);
    },
  );
}
