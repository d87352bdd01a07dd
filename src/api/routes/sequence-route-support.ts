import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Actor } from '../../domain/identity.ts';
import { decideSequence, type OrgPolicy, type SequenceAction } from '../../domain/permissions/permissions.ts';
import { RecordTypeSchema, SequenceDefinitionSchema } from '../../domain/sequence/definition.ts';
import { VALIDATION_CODES, validateDefinition } from '../../domain/sequence/validate.ts';
import { TEMPLATE_LANGUAGES } from '../../domain/templates/builtin-emails.ts';
import { userName } from '../../store/queries/directory-lookups.ts';
import { loadAccessibleSequences } from '../../store/repos/sequence-access-repo.ts';
import {
  connectedCounts,
  findVersionById,
  loadValidationContext,
  parseStoredDefinition,
  requireSequence,
  SEQUENCE_SORTS,
  type SequenceRow,
  sharesOf,
} from '../../store/repos/sequences-repo.ts';
import { tagsOfSequences } from '../../store/repos/tags-repo.ts';
import type { Database } from '../../store/schema.ts';
import { requireActor } from '../auth/authenticate.ts';
import { enforce, loadPolicy } from '../auth/guard.ts';
import type { AppDeps } from '../deps.ts';
import { PageQuerySchema } from '../pagination.ts';

// ── Schemas ───────────────────────────────────────────────────────────────────────────────────────────────
export const StatusSchema = z.enum(['inactive', 'active', 'revision']);
export const LanguageSchema = z.enum(TEMPLATE_LANGUAGES);

export const ValidationProblemSchema = z
  .object({ code: z.enum(VALIDATION_CODES), nodeId: z.string().nullable(), message: z.string() })
  .meta({ id: 'ValidationProblem' });

export const PERMISSION_ACTIONS = [
  'edit',
  'activate',
  'deactivate',
  'delete',
  'connect',
  'copy',
  'apply_tags',
  'share',
] as const;
export const PermissionsSchema = z.object({
  edit: z.boolean(),
  activate: z.boolean(),
  deactivate: z.boolean(),
  delete: z.boolean(),
  connect: z.boolean(),
  copy: z.boolean(),
  apply_tags: z.boolean(),
  /** List, add and remove its shares (owner, sequence managers, admins, whoever it is shared with). */
  share: z.boolean(),
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

export const VersionInfoSchema = z.object({
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
  /**
   * Names the stored draft; send it back as `If-Match` when saving the definition, and a save by someone else in
   * between is refused (409 `draft_changed`) instead of being overwritten.
   */
  draftTag: z.string(),
}).meta({ id: 'SequenceDetail' });

/** A short fingerprint of the stored draft (its JSON text), for the optimistic lock of the designer's saves. */
export function draftTag(draftJson: string): string {
  return createHash('sha256').update(draftJson).digest('base64url').slice(0, 22);
}

export const IdParams = z.object({ id: z.string().min(1).max(100) });

export const NameSchema = z.string().trim().min(1).max(200);
export const DescriptionSchema = z.string().max(4000);

export const TemplateGalleryItemSchema = z
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
export type Db = Kysely<Database>;

export interface Access {
  actor: Actor;
  policy: OrgPolicy;
}

export async function summaries(
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

export async function detail(db: Db, access: Access, row: SequenceRow) {
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
    draftTag: draftTag(row.draft_json),
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

export const ListQuerySchema = PageQuerySchema.extend({
  status: StatusSchema.optional(),
  recordType: RecordTypeSchema.optional(),
  tagId: z.string().max(100).optional(),
  ownerId: z.string().max(100).optional(),
  q: z.string().trim().max(200).optional(),
  isTemplate: z.enum(['true', 'false']).optional(),
  sort: z.enum(SEQUENCE_SORTS).default('updated'),
  direction: z.enum(['asc', 'desc']).optional(),
});
export const CursorShape = z.object({ v: z.union([z.string(), z.number()]), id: z.string() });
