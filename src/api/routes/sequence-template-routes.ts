import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { decideOrg } from '../../domain/permissions/permissions.ts';
import { RecordTypeSchema } from '../../domain/sequence/definition.ts';
import { parseExport, SequenceExportSchema } from '../../domain/sequence/export-format.ts';
import { sequenceVisibility } from '../../domain/sequence/visibility.ts';
import {
  BUILTIN_PREFIX,
  BUILTIN_SEQUENCES,
  instantiateBuiltin,
} from '../../domain/templates/builtin-sequences.ts';
import {
  copySequence,
  exportSequence,
  importSequence,
  listSequences,
  parseStoredDefinition,
  setTemplateFlag,
} from '../../store/repos/sequences-repo.ts';
import type { ApiApp } from '../app.ts';
import { requireActor } from '../auth/authenticate.ts';
import { enforce, loadPolicy } from '../auth/guard.ts';
import type { AppDeps } from '../deps.ts';
import { HttpProblem, ProblemSchema } from '../problems.ts';
import {
  type Access,
  type Db,
  detail,
  guardSequence,
  IdParams,
  LanguageSchema,
  NameSchema,
  SequenceDetailSchema,
  TemplateGalleryItemSchema,
} from './sequence-route-support.ts';

/** Copies, templates and the export/import format of sequences. */
export async function sequenceTemplateRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  const db = deps.store.db;
  const accessOf = async (request: FastifyRequest): Promise<Access> => {
    const actor = requireActor(request);
    return { actor, policy: await loadPolicy(deps, request, actor.orgId) };
  };
  const tx = <T>(work: (trx: Db) => Promise<T>) => db.transaction().execute(work);

  app.post(
    '/api/sequences/:id/copy',
    {
      schema: {
        tags: ['sequences'],
        summary: 'Copy: full snapshot under a new name, inactive, owned by you',
        params: IdParams,
        body: z.strictObject({ name: NameSchema.optional() }).default({}),
        response: { 201: SequenceDetailSchema, 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema },
      },
    },
    async (request, reply) => {
      const { actor, row } = await guardSequence(deps, request, request.params.id, 'copy');
      enforce(decideOrg(actor, await loadPolicy(deps, request, actor.orgId), 'create_sequence'), 'Sequence');
      const copy = await tx((trx) =>
        copySequence(trx, {
          orgId: actor.orgId,
          id: row.id,
          actorId: actor.userId,
          businessUnitId: actor.businessUnitId,
          name: request.body.name ?? `Copy of ${row.name}`.slice(0, 200),
          now: deps.clock.now(),
        }),
      );
      return reply.code(201).send(await detail(db, await accessOf(request), copy));
    },
  );

  app.post(
    '/api/sequences/:id/save-as-template',
    {
      schema: {
        tags: ['sequences'],
        summary: 'Offer this sequence in the template gallery (`isTemplate: false` withdraws it)',
        params: IdParams,
        body: z.strictObject({ isTemplate: z.boolean().default(true) }).default({ isTemplate: true }),
        response: { 200: SequenceDetailSchema, 403: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const { actor, row } = await guardSequence(deps, request, request.params.id, 'edit');
      const now = deps.clock.now();
      await tx((trx) =>
        setTemplateFlag(trx, {
          orgId: actor.orgId,
          id: row.id,
          actorId: actor.userId,
          isTemplate: request.body.isTemplate,
          now,
        }),
      );
      return detail(db, await accessOf(request), {
        ...row,
        is_template: request.body.isTemplate ? 1 : 0,
        updated_at: now,
      });
    },
  );

  app.get(
    '/api/sequences/:id/export',
    {
      schema: {
        tags: ['sequences'],
        summary: 'Export as one JSON document (format stepwise.sequence/1) with email templates and tags',
        params: IdParams,
        response: { 200: SequenceExportSchema, 404: ProblemSchema },
      },
    },
    async (request, reply) => {
      const { actor, row } = await guardSequence(deps, request, request.params.id, 'view');
      const document = await exportSequence(db, actor.orgId, row.id);
      const filename = row.name.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 80) || 'sequence';
      reply.header('content-disposition', `attachment; filename="${filename}.stepwise.json"`);
      return document;
    },
  );

  app.post(
    '/api/sequences/import',
    {
      schema: {
        tags: ['sequences'],
        summary: 'Import an exported document: all or nothing; problems are reported with their paths',
        body: z.strictObject({ document: z.unknown(), name: NameSchema.optional() }),
        response: {
          201: SequenceDetailSchema.extend({ skippedTags: z.array(z.array(z.string())) }),
          403: ProblemSchema,
          409: ProblemSchema,
          422: ProblemSchema,
        },
      },
    },
    async (request, reply) => {
      const actor = requireActor(request);
      const policy = await loadPolicy(deps, request, actor.orgId);
      enforce(decideOrg(actor, policy, 'create_sequence'), 'Sequence');
      const parsed = parseExport(request.body.document);
      if (!parsed.ok) {
        throw new HttpProblem(
          422,
          'import_invalid',
          `The document cannot be imported: ${parsed.problems.length} problem(s).`,
          parsed.problems.map((p) => ({ ...p, path: ['document', ...p.path] })),
        );
      }
      const result = await tx((trx) =>
        importSequence(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          businessUnitId: actor.businessUnitId,
          document: parsed.document,
          ...(request.body.name ? { name: request.body.name } : {}),
          canCreateTags: decideOrg(actor, policy, 'manage_tags').allowed,
          now: deps.clock.now(),
        }),
      );
      return reply.code(201).send({
        ...(await detail(db, await accessOf(request), result.row)),
        skippedTags: result.skippedTags,
      });
    },
  );

  app.get(
    '/api/sequence-templates',
    {
      schema: {
        tags: ['sequences'],
        summary: 'The template gallery: the six built-in templates and sequences saved as templates',
        querystring: z.object({
          recordType: RecordTypeSchema.optional(),
          language: LanguageSchema.optional(),
        }),
        response: { 200: z.object({ items: z.array(TemplateGalleryItemSchema) }) },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const policy = await loadPolicy(deps, request, actor.orgId);
      const language = request.query.language ?? (actor.locale === 'pl' ? 'pl' : 'en');
      const builtins = BUILTIN_SEQUENCES.filter(
        (t) => !request.query.recordType || t.recordType === request.query.recordType,
      ).map((t) => {
        const definition = instantiateBuiltin(t, language);
        return {
          id: `${BUILTIN_PREFIX}${t.key}`,
          source: 'builtin' as const,
          name: t.name[language],
          description: t.description[language],
          recordType: t.recordType,
          language,
          stepCount: definition.nodes.length,
          definition,
        };
      });
      const saved = await listSequences(db, actor.orgId, sequenceVisibility(actor, policy), {
        isTemplate: true,
        ...(request.query.recordType ? { recordType: request.query.recordType } : {}),
        sort: 'name',
        direction: 'asc',
        limit: 500,
      });
      const users = saved.map((row) => {
        const definition = parseStoredDefinition(row.draft_json);
        return {
          id: row.id,
          source: 'user' as const,
          name: row.name,
          description: row.description,
          recordType: row.record_type,
          language: null,
          stepCount: definition.nodes.length,
          definition,
        };
      });
      return { items: [...builtins, ...users] };
    },
  );
}
