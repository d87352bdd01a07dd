import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { decideOrg } from '../../domain/permissions/permissions.ts';
import {
  RecordTypeSchema,
  type SequenceDefinition,
  SequenceDefinitionSchema,
} from '../../domain/sequence/definition.ts';
import { validateDefinition } from '../../domain/sequence/validate.ts';
import { sequenceVisibility } from '../../domain/sequence/visibility.ts';
import {
  BUILTIN_PREFIX,
  findBuiltinSequence,
  instantiateBuiltin,
} from '../../domain/templates/builtin-sequences.ts';
import { sequenceExit } from '../../engine/exit-connections.ts';
import { installBuiltinTemplates } from '../../store/repos/email-templates-repo.ts';
import {
  deleteSequence,
  insertSequence,
  listSequences,
  loadValidationContext,
  parseStoredDefinition,
  saveDraft,
  sortValue,
  updateProperties,
} from '../../store/repos/sequences-repo.ts';
import { tagWithDescendants } from '../../store/repos/tags-repo.ts';
import type { ApiApp } from '../app.ts';
import { requireActor } from '../auth/authenticate.ts';
import { enforce, loadPolicy } from '../auth/guard.ts';
import type { AppDeps } from '../deps.ts';
import { decodeCursor, encodeCursor, pageSchema } from '../pagination.ts';
import { HttpProblem, ProblemSchema } from '../problems.ts';
import {
  type Access,
  CursorShape,
  type Db,
  DescriptionSchema,
  detail,
  draftTag,
  guardSequence,
  IdParams,
  LanguageSchema,
  ListQuerySchema,
  NameSchema,
  SequenceDetailSchema,
  SequenceSummarySchema,
  summaries,
  ValidationProblemSchema,
} from './sequence-route-support.ts';

/** Sequences themselves: list, create, read, change properties and definition, delete. */
export async function sequenceRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  const db = deps.store.db;
  const accessOf = async (request: FastifyRequest): Promise<Access> => {
    const actor = requireActor(request);
    return { actor, policy: await loadPolicy(deps, request, actor.orgId) };
  };
  const tx = <T>(work: (trx: Db) => Promise<T>) => db.transaction().execute(work);

  app.get(
    '/api/sequences',
    {
      schema: {
        tags: ['sequences'],
        summary: 'List sequences you can see; filter, search, sort, page with `cursor`',
        querystring: ListQuerySchema,
        response: { 200: pageSchema(SequenceSummarySchema), 400: ProblemSchema },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const policy = await loadPolicy(deps, request, actor.orgId);
      const query = request.query;
      const direction = query.direction ?? (query.sort === 'updated' ? 'desc' : 'asc');
      const tagIds = query.tagId ? await tagWithDescendants(db, actor.orgId, query.tagId) : undefined;
      const rows = await listSequences(db, actor.orgId, sequenceVisibility(actor, policy), {
        ...(query.status ? { status: query.status } : {}),
        ...(query.recordType ? { recordType: query.recordType } : {}),
        ...(query.ownerId ? { ownerId: query.ownerId } : {}),
        ...(tagIds ? { tagIds } : {}),
        ...(query.q ? { q: query.q } : {}),
        ...(query.isTemplate ? { isTemplate: query.isTemplate === 'true' } : {}),
        sort: query.sort,
        direction,
        limit: query.limit,
        ...(query.cursor ? { after: decodeCursor(query.cursor, CursorShape)! } : {}),
      });
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return {
        items: await summaries(db, { actor, policy }, page),
        nextCursor:
          rows.length > query.limit && last
            ? encodeCursor({ v: sortValue(last, query.sort), id: last.id })
            : null,
      };
    },
  );

  app.post(
    '/api/sequences',
    {
      schema: {
        tags: ['sequences'],
        summary:
          'Create a sequence, blank or from a template (`builtin:<key>` or a sequence saved as template)',
        body: z.strictObject({
          name: NameSchema,
          description: DescriptionSchema.default(''),
          recordType: RecordTypeSchema.optional(),
          fromTemplate: z.string().min(1).max(200).optional(),
          /** Language of the built-in template's emails. */
          language: LanguageSchema.optional(),
        }),
        response: { 201: SequenceDetailSchema, 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema },
      },
    },
    async (request, reply) => {
      const actor = requireActor(request);
      const policy = await loadPolicy(deps, request, actor.orgId);
      enforce(decideOrg(actor, policy, 'create_sequence'), 'Sequence');
      const body = request.body;
      const now = deps.clock.now();
      let definition: SequenceDefinition = SequenceDefinitionSchema.parse({ start: null, nodes: [] });
      let recordType = body.recordType ?? 'lead';
      let source: string | null = null;
      if (body.fromTemplate?.startsWith(BUILTIN_PREFIX)) {
        const builtin = findBuiltinSequence(body.fromTemplate.slice(BUILTIN_PREFIX.length));
        if (!builtin) throw new HttpProblem(404, 'template_not_found', 'Sequence template not found');
        await installBuiltinTemplates(db, actor.orgId, now);
        definition = instantiateBuiltin(builtin, body.language ?? (actor.locale === 'pl' ? 'pl' : 'en'));
        recordType = builtin.recordType;
        source = body.fromTemplate;
      } else if (body.fromTemplate) {
        const { row } = await guardSequence(deps, request, body.fromTemplate, 'copy');
        if (row.is_template !== 1)
          throw new HttpProblem(404, 'template_not_found', 'Sequence template not found');
        definition = parseStoredDefinition(row.draft_json);
        recordType = row.record_type;
        source = row.id;
      }
      if (body.recordType && body.recordType !== recordType) {
        throw new HttpProblem(422, 'record_type_mismatch', `The template is for ${recordType} records`, [
          { path: ['body', 'recordType'], code: 'record_type_mismatch', message: `Use ${recordType}` },
        ]);
      }
      const row = await tx((trx) =>
        insertSequence(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          ownerId: actor.userId,
          businessUnitId: actor.businessUnitId,
          name: body.name,
          description: body.description,
          recordType,
          definition,
          now,
          ...(source ? { auditExtra: { fromTemplate: source } } : {}),
        }),
      );
      return reply.code(201).send(await detail(db, await accessOf(request), row));
    },
  );

  app.get(
    '/api/sequences/:id',
    {
      schema: {
        tags: ['sequences'],
        summary: 'A sequence with its draft definition, active version and validation problems',
        params: IdParams,
        response: { 200: SequenceDetailSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const { row } = await guardSequence(deps, request, request.params.id, 'view');
      return detail(db, await accessOf(request), row);
    },
  );

  app.patch(
    '/api/sequences/:id',
    {
      schema: {
        tags: ['sequences'],
        summary: 'Change name or description (only while inactive; record type and owner never change)',
        params: IdParams,
        body: z.strictObject({ name: NameSchema.optional(), description: DescriptionSchema.optional() }),
        response: { 200: SequenceDetailSchema, 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema },
      },
    },
    async (request) => {
      const { actor } = await guardSequence(deps, request, request.params.id, 'edit');
      const row = await tx((trx) =>
        updateProperties(trx, {
          orgId: actor.orgId,
          id: request.params.id,
          actorId: actor.userId,
          ...request.body,
          now: deps.clock.now(),
        }),
      );
      return detail(db, await accessOf(request), row);
    },
  );

  app.put(
    '/api/sequences/:id/definition',
    {
      schema: {
        tags: ['sequences'],
        summary:
          'Save the draft (inactive or in revision); returns the validation problems without refusing to save. ' +
          'With `If-Match: <draftTag>` (from GET), a draft saved by someone else since is not overwritten (409 draft_changed)',
        params: IdParams,
        body: SequenceDefinitionSchema,
        response: {
          200: z.object({
            definition: SequenceDefinitionSchema,
            problems: z.array(ValidationProblemSchema),
            draftTag: z.string(),
          }),
          403: ProblemSchema,
          404: ProblemSchema,
          409: ProblemSchema,
        },
      },
    },
    async (request) => {
      const { actor, row: before } = await guardSequence(deps, request, request.params.id, 'edit');
      const ifMatch = request.headers['if-match']?.replace(/^(W\/)?"|"$/g, '');
      if (ifMatch !== undefined && ifMatch !== draftTag(before.draft_json)) {
        throw new HttpProblem(409, 'draft_changed', 'Someone else saved this sequence since you loaded it.');
      }
      const row = await tx((trx) =>
        saveDraft(trx, {
          orgId: actor.orgId,
          id: request.params.id,
          actorId: actor.userId,
          definition: request.body,
          now: deps.clock.now(),
          ...(ifMatch === undefined ? {} : { expectedDraft: before.draft_json }),
        }),
      );
      const context = await loadValidationContext(db, actor.orgId, row.record_type, {
        sequenceId: row.id,
        viewerIds: [row.owner_id, actor.userId],
      });
      return {
        definition: request.body,
        problems: validateDefinition(request.body, context),
        draftTag: draftTag(row.draft_json),
      };
    },
  );

  app.delete(
    '/api/sequences/:id',
    {
      schema: {
        tags: ['sequences'],
        summary: 'Delete for good; an active sequence is deactivated and its records disconnected first',
        params: IdParams,
        response: {
          200: z.object({ deleted: z.literal(true), disconnected: z.number().int() }),
          403: ProblemSchema,
          404: ProblemSchema,
        },
      },
    },
    async (request) => {
      const { actor, row } = await guardSequence(deps, request, request.params.id, 'delete');
      const now = deps.clock.now();
      const result = await tx((trx) =>
        deleteSequence(trx, {
          orgId: actor.orgId,
          id: row.id,
          actorId: actor.userId,
          now,
          endConnections: sequenceExit(actor.userId, now),
        }),
      );
      return { deleted: true as const, disconnected: result.disconnected };
    },
  );
}
