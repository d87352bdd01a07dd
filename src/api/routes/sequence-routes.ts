import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Actor } from '../../domain/identity.ts';
import {
  decideOrg,
  decideSequence,
  type OrgPolicy,
  type SequenceAction,
} from '../../domain/permissions/permissions.ts';
import {
  RecordTypeSchema,
  type SequenceDefinition,
  SequenceDefinitionSchema,
} from '../../domain/sequence/definition.ts';
import { parseExport, SequenceExportSchema } from '../../domain/sequence/export-format.ts';
import { VALIDATION_CODES, validateDefinition } from '../../domain/sequence/validate.ts';
import { sequenceVisibility } from '../../domain/sequence/visibility.ts';
import { TEMPLATE_LANGUAGES } from '../../domain/templates/builtin-emails.ts';
import {
  BUILTIN_PREFIX,
  BUILTIN_SEQUENCES,
  findBuiltinSequence,
  instantiateBuiltin,
} from '../../domain/templates/builtin-sequences.ts';
import { sequenceExit } from '../../engine/exit-connections.ts';
import { userName } from '../../store/queries/directory-lookups.ts';
import { installBuiltinTemplates } from '../../store/repos/email-templates-repo.ts';
import { loadAccessibleSequences } from '../../store/repos/sequence-access-repo.ts';
import {
  activateSequence,
  connectedCounts,
  copySequence,
  deactivateSequence,
  deleteSequence,
  exportSequence,
  findVersion,
  findVersionById,
  importSequence,
  insertSequence,
  listSequences,
  listVersions,
  loadValidationContext,
  parseStoredDefinition,
  requireSequence,
  SEQUENCE_SORTS,
  type SequenceRow,
  saveDraft,
  setTemplateFlag,
  sharesOf,
  sortValue,
  startRevision,
  updateProperties,
} from '../../store/repos/sequences-repo.ts';
import { tagsOfSequences, tagWithDescendants } from '../../store/repos/tags-repo.ts';
import type { Database } from '../../store/schema.ts';
import type { ApiApp } from '../app.ts';
import { requireActor } from '../auth/authenticate.ts';
import { enforce, loadPolicy } from '../auth/guard.ts';
import type { AppDeps } from '../deps.ts';
import { decodeCursor, encodeCursor, PageQuerySchema, pageSchema } from '../pagination.ts';
import { HttpProblem, ProblemSchema } from '../problems.ts';

// ── Schemas ───────────────────────────────────────────────────────────────────────────────────────────────
const StatusSchema = z.enum(['inactive', 'active', 'revision']);
const LanguageSchema = z.enum(TEMPLATE_LANGUAGES);

export const ValidationProblemSchema = z
  .object({ code: z.enum(VALIDATION_CODES), nodeId: z.string().nullable(), message: z.string() })
  .meta({ id: 'ValidationProblem' });

const PERMISSION_ACTIONS = [
  'edit',
  'activate',
  'deactivate',
  'delete',
  'connect',
  'copy',
  'apply_tags',
] as const;
const PermissionsSchema = z.object({
  edit: z.boolean(),
  activate: z.boolean(),
  deactivate: z.boolean(),
  delete: z.boolean(),
  connect: z.boolean(),
  copy: z.boolean(),
  apply_tags: z.boolean(),
});

export const SequenceSummarySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    status: StatusSchema,
    recordType: RecordTypeSchema,
    ownerId: z.string(),
    ownerName: z.string().nullable(),
    businessUnitId: z.string(),
    tags: z.array(z.object({ id: z.string(), name: z.string() })),
    connectedCount: z.number().int(),
    /** Number of the version new connections get; null before the first activation. */
    version: z.number().int().nullable(),
    isTemplate: z.boolean(),
    createdAt: z.number(),
    updatedAt: z.number(),
    /** What the signed-in user may do with it. */
    permissions: PermissionsSchema,
  })
  .meta({ id: 'SequenceSummary' });

const VersionInfoSchema = z.object({
  id: z.string(),
  version: z.number().int(),
  changeNote: z.string().nullable(),
  createdBy: z.string(),
  createdByName: z.string().nullable(),
  createdAt: z.number(),
});

export const SequenceDetailSchema = SequenceSummarySchema.extend({
  /** The draft: what the designer edits (equal to the active version while active). */
  definition: SequenceDefinitionSchema,
  activeVersion: VersionInfoSchema.nullable(),
  problems: z.array(ValidationProblemSchema),
}).meta({ id: 'SequenceDetail' });

const IdParams = z.object({ id: z.string().min(1).max(100) });

const NameSchema = z.string().trim().min(1).max(200);
const DescriptionSchema = z.string().max(4000);

const TemplateGalleryItemSchema = z
  .object({
    id: z.string(),
    source: z.enum(['builtin', 'user']),
    name: z.string(),
    description: z.string(),
    recordType: RecordTypeSchema,
    language: LanguageSchema.nullable(),
    stepCount: z.number().int(),
    definition: SequenceDefinitionSchema,
  })
  .meta({ id: 'SequenceTemplate' });

// ── Helpers ───────────────────────────────────────────────────────────────────────────────────────────────
type Db = Kysely<Database>;

interface Access {
  actor: Actor;
  policy: OrgPolicy;
}

async function summaries(
  db: Db,
  access: Access,
  rows: (SequenceRow & { owner_name?: string | null; active_version?: number | null })[],
) {
  const orgId = access.actor.orgId;
  const ids = rows.map((r) => r.id);
  const [tags, counts, shares] = await Promise.all([
    tagsOfSequences(db, orgId, ids),
    connectedCounts(db, orgId, ids),
    loadAccessibleSequences(db, orgId, ids),
  ]);
  const refs = new Map(shares.map((s) => [s.id, s]));
  const permissionsOf = (row: SequenceRow) => {
    const shared = refs.get(row.id);
    const ref = {
      ownerId: row.owner_id,
      businessUnitId: row.business_unit_id,
      sharedWithUserIds: shared?.sharedWithUserIds ?? [],
      sharedWithBusinessUnitIds: shared?.sharedWithBusinessUnitIds ?? [],
    };
    return Object.fromEntries(
      PERMISSION_ACTIONS.map((action) => [
        action,
        decideSequence(access.actor, access.policy, action, ref).allowed,
      ]),
    ) as Record<(typeof PERMISSION_ACTIONS)[number], boolean>;
  };
  return rows.map((row) => ({
    permissions: permissionsOf(row),
    id: row.id,
    name: row.name,
    description: row.description,
    status: row.status,
    recordType: row.record_type,
    ownerId: row.owner_id,
    ownerName: row.owner_name ?? null,
    businessUnitId: row.business_unit_id,
    tags: tags.get(row.id) ?? [],
    connectedCount: counts.get(row.id) ?? 0,
    version: row.active_version ?? null,
    isTemplate: row.is_template === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }));
}

async function detail(db: Db, access: Access, row: SequenceRow) {
  const [ownerName, version] = await Promise.all([
    userName(db, row.org_id, row.owner_id),
    row.active_version_id ? findVersionById(db, row.org_id, row.active_version_id) : undefined,
  ]);
  const creatorName = version ? await userName(db, row.org_id, version.created_by) : null;
  const [summary] = await summaries(db, access, [
    { ...row, owner_name: ownerName, active_version: version?.version ?? null },
  ]);
  const definition = parseStoredDefinition(row.draft_json);
  const context = await loadValidationContext(db, row.org_id, row.record_type, {
    sequenceId: row.id,
    viewerIds: [row.owner_id, access.actor.userId],
  });
  return {
    ...summary!,
    definition,
    activeVersion: version
      ? {
          id: version.id,
          version: version.version,
          changeNote: version.change_note,
          createdBy: version.created_by,
          createdByName: creatorName,
          createdAt: version.created_at,
        }
      : null,
    problems: validateDefinition(definition, context),
  };
}

/** Loads the sequence and checks the action; another business unit's sequence is a 404. */
export async function guardSequence(
  deps: AppDeps,
  request: FastifyRequest,
  id: string,
  action: SequenceAction,
  db: Db = deps.store.db,
): Promise<{ actor: Actor; row: SequenceRow }> {
  const actor = requireActor(request);
  const row = await requireSequence(db, actor.orgId, id);
  const [policy, shares] = await Promise.all([
    loadPolicy(deps, request, actor.orgId),
    sharesOf(db, actor.orgId, id),
  ]);
  enforce(
    decideSequence(actor, policy, action, {
      ownerId: row.owner_id,
      businessUnitId: row.business_unit_id,
      ...shares,
    }),
    'Sequence',
  );
  return { actor, row };
}

const ListQuerySchema = PageQuerySchema.extend({
  status: StatusSchema.optional(),
  recordType: RecordTypeSchema.optional(),
  tagId: z.string().max(100).optional(),
  ownerId: z.string().max(100).optional(),
  q: z.string().trim().max(200).optional(),
  isTemplate: z.enum(['true', 'false']).optional(),
  sort: z.enum(SEQUENCE_SORTS).default('updated'),
  direction: z.enum(['asc', 'desc']).optional(),
});
const CursorShape = z.object({ v: z.union([z.string(), z.number()]), id: z.string() });

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
          'Save the draft (inactive or in revision); returns the validation problems without refusing to save',
        params: IdParams,
        body: SequenceDefinitionSchema,
        response: {
          200: z.object({ definition: SequenceDefinitionSchema, problems: z.array(ValidationProblemSchema) }),
          403: ProblemSchema,
          404: ProblemSchema,
          409: ProblemSchema,
        },
      },
    },
    async (request) => {
      const { actor } = await guardSequence(deps, request, request.params.id, 'edit');
      const row = await tx((trx) =>
        saveDraft(trx, {
          orgId: actor.orgId,
          id: request.params.id,
          actorId: actor.userId,
          definition: request.body,
          now: deps.clock.now(),
        }),
      );
      const context = await loadValidationContext(db, actor.orgId, row.record_type, {
        sequenceId: row.id,
        viewerIds: [row.owner_id, actor.userId],
      });
      return { definition: request.body, problems: validateDefinition(request.body, context) };
    },
  );

  app.post(
    '/api/sequences/:id/activate',
    {
      schema: {
        tags: ['sequences'],
        summary: 'Activate: validates, creates the next version (change note required for a revision)',
        params: IdParams,
        body: z.strictObject({ changeNote: z.string().trim().max(2000).optional() }).default({}),
        response: {
          200: SequenceDetailSchema,
          403: ProblemSchema,
          404: ProblemSchema,
          409: ProblemSchema,
          422: ProblemSchema,
        },
      },
    },
    async (request) => {
      const { actor } = await guardSequence(deps, request, request.params.id, 'activate');
      const { row } = await activateSequence(deps.store, {
        orgId: actor.orgId,
        id: request.params.id,
        actorId: actor.userId,
        changeNote: request.body.changeNote ?? null,
        now: deps.clock.now(),
      });
      return detail(db, await accessOf(request), row);
    },
  );

  app.post(
    '/api/sequences/:id/deactivate',
    {
      schema: {
        tags: ['sequences'],
        summary: 'Deactivate: no new connections; `disconnectRecords` also ends the live connections',
        params: IdParams,
        body: z
          .strictObject({ disconnectRecords: z.boolean().default(false) })
          .default({ disconnectRecords: false }),
        response: {
          200: SequenceDetailSchema.extend({ disconnected: z.number().int() }),
          403: ProblemSchema,
          404: ProblemSchema,
          409: ProblemSchema,
        },
      },
    },
    async (request) => {
      const { actor } = await guardSequence(deps, request, request.params.id, 'deactivate');
      const now = deps.clock.now();
      const result = await tx((trx) =>
        deactivateSequence(trx, {
          orgId: actor.orgId,
          id: request.params.id,
          actorId: actor.userId,
          endConnections: request.body.disconnectRecords ? sequenceExit(actor.userId, now) : null,
          now,
        }),
      );
      return {
        ...(await detail(db, await accessOf(request), result.row)),
        disconnected: result.disconnected,
      };
    },
  );

  app.post(
    '/api/sequences/:id/edit',
    {
      schema: {
        tags: ['sequences'],
        summary: 'Edit an active sequence: opens a revision (a new draft from the running version)',
        params: IdParams,
        response: { 200: SequenceDetailSchema, 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema },
      },
    },
    async (request) => {
      const { actor } = await guardSequence(deps, request, request.params.id, 'edit');
      const row = await tx((trx) =>
        startRevision(trx, {
          orgId: actor.orgId,
          id: request.params.id,
          actorId: actor.userId,
          now: deps.clock.now(),
        }),
      );
      return detail(db, await accessOf(request), row);
    },
  );

  app.get(
    '/api/sequences/:id/versions',
    {
      schema: {
        tags: ['sequences'],
        summary: 'Version history, newest first, with change notes, author and time',
        params: IdParams,
        response: {
          200: z.object({ items: z.array(VersionInfoSchema.extend({ active: z.boolean() })) }),
          404: ProblemSchema,
        },
      },
    },
    async (request) => {
      const { actor, row } = await guardSequence(deps, request, request.params.id, 'view');
      const versions = await listVersions(db, actor.orgId, row.id);
      return {
        items: versions.map((v) => ({
          id: v.id,
          version: v.version,
          changeNote: v.change_note,
          createdBy: v.created_by,
          createdByName: v.created_by_name ?? null,
          createdAt: v.created_at,
          active: v.id === row.active_version_id && row.status !== 'inactive',
        })),
      };
    },
  );

  app.get(
    '/api/sequences/:id/versions/:version',
    {
      schema: {
        tags: ['sequences'],
        summary: 'One version, read-only',
        params: IdParams.extend({ version: z.coerce.number().int().min(1) }),
        response: {
          200: VersionInfoSchema.extend({ definition: SequenceDefinitionSchema }),
          404: ProblemSchema,
        },
      },
    },
    async (request) => {
      const { actor, row } = await guardSequence(deps, request, request.params.id, 'view');
      const version = await findVersion(db, actor.orgId, row.id, request.params.version);
      if (!version) throw new HttpProblem(404, 'not_found', 'Version not found');
      const creatorName = await userName(db, actor.orgId, version.created_by);
      return {
        id: version.id,
        version: version.version,
        changeNote: version.change_note,
        createdBy: version.created_by,
        createdByName: creatorName,
        createdAt: version.created_at,
        definition: parseStoredDefinition(version.definition_json),
      };
    },
  );

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
