import { type Kysely, type Selectable, sql } from 'kysely';
import { DomainError } from '../../domain/errors.ts';
import { parseOrgSettings } from '../../domain/org-settings.ts';
import {
  type RecordType,
  type SequenceDefinition,
  SequenceDefinitionSchema,
} from '../../domain/sequence/definition.ts';
import {
  clearUnknownAdvanceTargets,
  EXPORT_FORMAT,
  remapTemplateIds,
  type SequenceExport,
  templateIdsOf,
} from '../../domain/sequence/export-format.ts';
import {
  assertCanDeactivate,
  assertCanStartRevision,
  assertDraftEditable,
  assertPropertiesEditable,
  decideActivation,
  isLive,
  needsNewVersion,
} from '../../domain/sequence/lifecycle.ts';
import {
  type ValidationContext,
  type ValidationProblem,
  validateDefinition,
} from '../../domain/sequence/validate.ts';
import { advanceCandidates, type SequenceVisibility } from '../../domain/sequence/visibility.ts';
import { tagPath } from '../../domain/tags/tags.ts';
import type { DialectName, Store } from '../db.ts';
import { newId } from '../ids.ts';
import type { Database, SequencesTable, SequenceVersionsTable } from '../schema.ts';
import { recordAudit } from './audit-repo.ts';
import { LIVE_STATUSES } from './connections-repo.ts';
import { insertEmailTemplate } from './email-templates-repo.ts';
import { writeTransaction } from './engine-repo.ts';
import { listRecordFields } from './record-fields-repo.ts';
import { loadAccessibleSequences, loadPrincipals, loadUnitTree } from './sequence-access-repo.ts';
import { isUniqueViolation, listTags, resolveTagPath, tagsOfSequences } from './tags-repo.ts';

export type SequenceRow = Selectable<SequencesTable>;
export type VersionRow = Selectable<SequenceVersionsTable>;

export const sequenceNotFound = () => new DomainError('not_found', 'not_found', 'Sequence not found');
const nameTaken = () =>
  new DomainError(
    'conflict',
    'name_taken',
    'A sequence with this name already exists in your business unit.',
  );

export function parseStoredDefinition(json: string): SequenceDefinition {
  return SequenceDefinitionSchema.parse(JSON.parse(json));
}

export async function findSequence(db: Kysely<Database>, orgId: string, id: string) {
  return db
    .selectFrom('sequences')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function requireSequence(db: Kysely<Database>, orgId: string, id: string): Promise<SequenceRow> {
  const row = await findSequence(db, orgId, id);
  if (!row) throw sequenceNotFound();
  return row;
}

/** Who the sequence is shared with, for permission decisions. */
export async function sharesOf(db: Kysely<Database>, orgId: string, sequenceId: string) {
  const rows = await db
    .selectFrom('sequence_shares')
    .select(['principal_id', 'principal_type'])
    .where('org_id', '=', orgId)
    .where('sequence_id', '=', sequenceId)
    .execute();
  return {
    sharedWithUserIds: rows.filter((r) => r.principal_type === 'user').map((r) => r.principal_id),
    sharedWithBusinessUnitIds: rows
      .filter((r) => r.principal_type === 'business_unit')
      .map((r) => r.principal_id),
  };
}

/**
 * Everything `validateDefinition` needs from the database. "Advance to" candidates are only the sequences every
 * one of `viewerIds` can see (the owner of the sequence being validated and whoever is editing or importing it):
 * another unit's sequence looks exactly like one that does not exist.
 */
export async function loadValidationContext(
  db: Kysely<Database>,
  orgId: string,
  recordType: RecordType,
  options: { sequenceId?: string; viewerIds: readonly string[] },
): Promise<ValidationContext> {
  const [templates, sequences, fields, org, viewers, units] = await Promise.all([
    db.selectFrom('email_templates').select('id').where('org_id', '=', orgId).execute(),
    loadAccessibleSequences(db, orgId),
    listRecordFields(db, orgId, recordType),
    db.selectFrom('orgs').select('settings_json').where('id', '=', orgId).executeTakeFirst(),
    loadPrincipals(db, orgId, options.viewerIds),
    loadUnitTree(db, orgId),
  ]);
  const stages = parseOrgSettings(org?.settings_json ?? '{}').stages.map((stage) => stage.key);
  // A viewer id that names no user sees nothing.
  const candidates =
    viewers.length === new Set(options.viewerIds).size ? advanceCandidates(sequences, viewers, units) : [];
  return {
    recordType,
    ...(options.sequenceId ? { sequenceId: options.sequenceId } : {}),
    templates,
    sequences: candidates.map((s) => ({ id: s.id, status: s.status, recordType: s.recordType })),
    fields: fields.map((f) => ({ ...f, recordType: f.recordType })),
    ...(stages ? { stages } : {}),
  };
}

export async function validateStoredDraft(
  db: Kysely<Database>,
  row: SequenceRow,
): Promise<ValidationProblem[]> {
  const context = await loadValidationContext(db, row.org_id, row.record_type, {
    sequenceId: row.id,
    viewerIds: [row.owner_id],
  });
  return validateDefinition(parseStoredDefinition(row.draft_json), context);
}

// ── Create, edit ──────────────────────────────────────────────────────────────────────────────────────────
export interface NewSequence {
  orgId: string;
  actorId: string;
  ownerId: string;
  businessUnitId: string;
  name: string;
  description: string;
  recordType: RecordType;
  definition: SequenceDefinition;
  now: number;
  /** Audit action, e.g. `sequence.create`, `sequence.copy`, `sequence.import`. */
  action?: string;
  auditExtra?: Record<string, unknown>;
}

export async function insertSequence(db: Kysely<Database>, input: NewSequence): Promise<SequenceRow> {
  const row: SequenceRow = {
    org_id: input.orgId,
    id: newId(input.now),
    name: input.name,
    description: input.description,
    record_type: input.recordType,
    owner_id: input.ownerId,
    business_unit_id: input.businessUnitId,
    status: 'inactive',
    draft_json: JSON.stringify(input.definition),
    active_version_id: null,
    is_template: 0,
    created_at: input.now,
    updated_at: input.now,
  };
  const clash = await db
    .selectFrom('sequences')
    .select('id')
    .where('org_id', '=', input.orgId)
    .where('business_unit_id', '=', input.businessUnitId)
    .where('name', '=', input.name)
    .executeTakeFirst();
  if (clash) throw nameTaken();
  try {
    await db.insertInto('sequences').values(row).execute();
  } catch (error) {
    if (isUniqueViolation(error)) throw nameTaken();
    throw error;
  }
  await recordAudit(db, {
    orgId: input.orgId,
    actorId: input.actorId,
    action: input.action ?? 'sequence.create',
    resourceType: 'sequence',
    resourceId: row.id,
    after: { name: row.name, recordType: row.record_type, ownerId: row.owner_id, ...input.auditExtra },
    at: input.now,
  });
  return row;
}

export async function saveDraft(
  db: Kysely<Database>,
  input: { orgId: string; id: string; actorId: string; definition: SequenceDefinition; now: number },
): Promise<SequenceRow> {
  const row = await requireSequence(db, input.orgId, input.id);
  assertDraftEditable(row.status);
  const draft_json = JSON.stringify(input.definition);
  await db
    .updateTable('sequences')
    .set({ draft_json, updated_at: input.now })
    .where('org_id', '=', input.orgId)
    .where('id', '=', input.id)
    .execute();
  await recordAudit(db, {
    orgId: input.orgId,
    actorId: input.actorId,
    action: 'sequence.save_draft',
    resourceType: 'sequence',
    resourceId: input.id,
    after: { nodes: input.definition.nodes.length },
    at: input.now,
  });
  return { ...row, draft_json, updated_at: input.now };
}

export async function updateProperties(
  db: Kysely<Database>,
  input: { orgId: string; id: string; actorId: string; name?: string; description?: string; now: number },
): Promise<SequenceRow> {
  const row = await requireSequence(db, input.orgId, input.id);
  assertPropertiesEditable(row.status);
  const patch = {
    ...(input.name === undefined ? {} : { name: input.name }),
    ...(input.description === undefined ? {} : { description: input.description }),
    updated_at: input.now,
  };
  if (input.name !== undefined && input.name !== row.name) {
    const clash = await db
      .selectFrom('sequences')
      .select('id')
      .where('org_id', '=', input.orgId)
      .where('business_unit_id', '=', row.business_unit_id)
      .where('name', '=', input.name)
      .where('id', '!=', row.id)
      .executeTakeFirst();
    if (clash) throw nameTaken();
  }
  try {
    await db
      .updateTable('sequences')
      .set(patch)
      .where('org_id', '=', input.orgId)
      .where('id', '=', input.id)
      .execute();
  } catch (error) {
    if (isUniqueViolation(error)) throw nameTaken();
    throw error;
  }
  await recordAudit(db, {
    orgId: input.orgId,
    actorId: input.actorId,
    action: 'sequence.update',
    resourceType: 'sequence',
    resourceId: input.id,
    before: { name: row.name, description: row.description },
    after: patch,
    at: input.now,
  });
  return { ...row, ...patch };
}

export async function setTemplateFlag(
  db: Kysely<Database>,
  input: { orgId: string; id: string; actorId: string; isTemplate: boolean; now: number },
): Promise<void> {
  await db
    .updateTable('sequences')
    .set({ is_template: input.isTemplate ? 1 : 0, updated_at: input.now })
    .where('org_id', '=', input.orgId)
    .where('id', '=', input.id)
    .execute();
  await recordAudit(db, {
    orgId: input.orgId,
    actorId: input.actorId,
    action: input.isTemplate ? 'sequence.save_as_template' : 'sequence.unset_template',
    resourceType: 'sequence',
    resourceId: input.id,
    at: input.now,
  });
}

// ── Lifecycle ─────────────────────────────────────────────────────────────────────────────────────────────
/** Serialises activations of one organisation: PostgreSQL locks the org row; SQLite already holds the write lock. */
async function lockOrg(db: Kysely<Database>, dialect: DialectName, orgId: string): Promise<void> {
  if (dialect === 'postgres') {
    await db.selectFrom('orgs').select('id').where('id', '=', orgId).forUpdate().execute();
  }
}

async function latestVersion(db: Kysely<Database>, orgId: string, sequenceId: string) {
  return db
    .selectFrom('sequence_versions')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('sequence_id', '=', sequenceId)
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/**
 * Activates the draft: validates it, enforces the active-sequence limit and creates the next immutable version,
 * all in one write transaction that holds the organisation's lock, so concurrent activations cannot both pass
 * the limit.
 */
export async function activateSequence(
  store: Store,
  input: { orgId: string; id: string; actorId: string; changeNote?: string | null; now: number },
): Promise<{ row: SequenceRow; version: VersionRow; created: boolean }> {
  return writeTransaction(store, async (trx) => {
    await lockOrg(trx, store.dialect, input.orgId);
    const row = await requireSequence(trx, input.orgId, input.id);
    const draft = parseStoredDefinition(row.draft_json);
    const problems = validateDefinition(
      draft,
      await loadValidationContext(trx, input.orgId, row.record_type, {
        sequenceId: row.id,
        viewerIds: [row.owner_id, input.actorId],
      }),
    );
    const live = await trx
      .selectFrom('sequences')
      .select(sql<number>`count(*)`.as('n'))
      .where('org_id', '=', input.orgId)
      .where('status', 'in', ['active', 'revision'])
      .where('id', '!=', row.id)
      .executeTakeFirstOrThrow();
    const { changeNote } = decideActivation({
      status: row.status,
      problems,
      otherLiveCount: Number(live.n),
      changeNote: input.changeNote,
    });
    const latest = await latestVersion(trx, input.orgId, row.id);
    let version: VersionRow;
    let created = false;
    if (latest && !needsNewVersion(draft, parseStoredDefinition(latest.definition_json), row.status)) {
      version = latest;
    } else {
      version = {
        org_id: input.orgId,
        id: newId(input.now),
        sequence_id: row.id,
        version: (latest?.version ?? 0) + 1,
        definition_json: JSON.stringify(draft),
        change_note: changeNote,
        created_by: input.actorId,
        created_at: input.now,
      };
      await trx.insertInto('sequence_versions').values(version).execute();
      created = true;
    }
    await trx
      .updateTable('sequences')
      .set({ status: 'active', active_version_id: version.id, updated_at: input.now })
      .where('org_id', '=', input.orgId)
      .where('id', '=', row.id)
      .execute();
    await recordAudit(trx, {
      orgId: input.orgId,
      actorId: input.actorId,
      action: 'sequence.activate',
      resourceType: 'sequence',
      resourceId: row.id,
      before: { status: row.status },
      after: { status: 'active', version: version.version, changeNote: version.change_note },
      at: input.now,
    });
    return {
      row: { ...row, status: 'active' as const, active_version_id: version.id, updated_at: input.now },
      version,
      created,
    };
  });
}

/** Ids of the sequence's live (active or paused) connections. */
export async function liveConnectionIdsOfSequence(
  db: Kysely<Database>,
  orgId: string,
  sequenceId: string,
): Promise<string[]> {
  const rows = await db
    .selectFrom('connections')
    .select('id')
    .where('org_id', '=', orgId)
    .where('sequence_id', '=', sequenceId)
    .where('status', 'in', LIVE_STATUSES)
    .execute();
  return rows.map((row) => row.id);
}

/**
 * How the sequence's live connections end: the engine's exit (`exitConnections`), injected so the store does
 * not decide lifecycle. Returns how many ended.
 */
export type EndSequenceConnections = (
  db: Kysely<Database>,
  input: { orgId: string; connectionIds: string[]; reason: 'sequence_deactivated' | 'sequence_deleted' },
) => Promise<number>;

/** Active/revision → inactive. With `endConnections`, live connections end (reason `sequence_deactivated`). */
export async function deactivateSequence(
  db: Kysely<Database>,
  input: {
    orgId: string;
    id: string;
    actorId: string;
    endConnections: EndSequenceConnections | null;
    now: number;
    reason?: 'sequence_deactivated' | 'sequence_deleted';
  },
): Promise<{ row: SequenceRow; disconnected: number }> {
  const row = await requireSequence(db, input.orgId, input.id);
  assertCanDeactivate(row.status);
  await db
    .updateTable('sequences')
    .set({ status: 'inactive', updated_at: input.now })
    .where('org_id', '=', input.orgId)
    .where('id', '=', row.id)
    .execute();
  const disconnected = input.endConnections
    ? await input.endConnections(db, {
        orgId: input.orgId,
        connectionIds: await liveConnectionIdsOfSequence(db, input.orgId, row.id),
        reason: input.reason ?? 'sequence_deactivated',
      })
    : 0;
  await recordAudit(db, {
    orgId: input.orgId,
    actorId: input.actorId,
    action: 'sequence.deactivate',
    resourceType: 'sequence',
    resourceId: row.id,
    before: { status: row.status },
    after: { status: 'inactive', disconnected },
    at: input.now,
  });
  return { row: { ...row, status: 'inactive', updated_at: input.now }, disconnected };
}

/** Active → revision: the draft becomes a copy of the running version; connections keep running it. */
export async function startRevision(
  db: Kysely<Database>,
  input: { orgId: string; id: string; actorId: string; now: number },
): Promise<SequenceRow> {
  const row = await requireSequence(db, input.orgId, input.id);
  assertCanStartRevision(row.status);
  const active = row.active_version_id
    ? await db
        .selectFrom('sequence_versions')
        .select(['definition_json', 'version'])
        .where('org_id', '=', input.orgId)
        .where('id', '=', row.active_version_id)
        .executeTakeFirst()
    : undefined;
  const draft_json = active?.definition_json ?? row.draft_json;
  await db
    .updateTable('sequences')
    .set({ status: 'revision', draft_json, updated_at: input.now })
    .where('org_id', '=', input.orgId)
    .where('id', '=', row.id)
    .execute();
  await recordAudit(db, {
    orgId: input.orgId,
    actorId: input.actorId,
    action: 'sequence.start_revision',
    resourceType: 'sequence',
    resourceId: row.id,
    before: { status: row.status, version: active?.version ?? null },
    after: { status: 'revision' },
    at: input.now,
  });
  return { ...row, status: 'revision', draft_json, updated_at: input.now };
}

/** Full snapshot (draft, description, record type, tags) under a new name; inactive, owned by the caller. */
export async function copySequence(
  db: Kysely<Database>,
  input: { orgId: string; id: string; actorId: string; businessUnitId: string; name: string; now: number },
): Promise<SequenceRow> {
  const source = await requireSequence(db, input.orgId, input.id);
  const copy = await insertSequence(db, {
    orgId: input.orgId,
    actorId: input.actorId,
    ownerId: input.actorId,
    businessUnitId: input.businessUnitId,
    name: input.name,
    description: source.description,
    recordType: source.record_type,
    definition: parseStoredDefinition(source.draft_json),
    now: input.now,
    action: 'sequence.copy',
    auditExtra: { copiedFrom: source.id },
  });
  const tags = await db
    .selectFrom('sequence_tags')
    .select('tag_id')
    .where('org_id', '=', input.orgId)
    .where('sequence_id', '=', source.id)
    .execute();
  if (tags.length > 0) {
    await db
      .insertInto('sequence_tags')
      .values(tags.map((t) => ({ org_id: input.orgId, sequence_id: copy.id, tag_id: t.tag_id })))
      .execute();
  }
  return copy;
}

/** Deletes for good; a live sequence is deactivated and its records disconnected first. */
export async function deleteSequence(
  db: Kysely<Database>,
  input: { orgId: string; id: string; actorId: string; now: number; endConnections: EndSequenceConnections },
): Promise<{ disconnected: number }> {
  const row = await requireSequence(db, input.orgId, input.id);
  let disconnected = 0;
  if (isLive(row.status)) {
    disconnected = (await deactivateSequence(db, { ...input, reason: 'sequence_deleted' })).disconnected;
  }
  await db
    .deleteFrom('sequence_versions')
    .where('org_id', '=', input.orgId)
    .where('sequence_id', '=', row.id)
    .execute();
  await db
    .deleteFrom('sequence_tags')
    .where('org_id', '=', input.orgId)
    .where('sequence_id', '=', row.id)
    .execute();
  await db
    .deleteFrom('sequence_shares')
    .where('org_id', '=', input.orgId)
    .where('sequence_id', '=', row.id)
    .execute();
  await db
    .updateTable('segments')
    .set({ enabled: 0, updated_at: input.now })
    .where('org_id', '=', input.orgId)
    .where('sequence_id', '=', row.id)
    .execute();
  await db.deleteFrom('sequences').where('org_id', '=', input.orgId).where('id', '=', row.id).execute();
  await recordAudit(db, {
    orgId: input.orgId,
    actorId: input.actorId,
    action: 'sequence.delete',
    resourceType: 'sequence',
    resourceId: row.id,
    before: { name: row.name, status: row.status },
    after: { disconnected },
    at: input.now,
  });
  return { disconnected };
}

// ── Versions ──────────────────────────────────────────────────────────────────────────────────────────────
export async function listVersions(db: Kysely<Database>, orgId: string, sequenceId: string) {
  return db
    .selectFrom('sequence_versions as v')
    .leftJoin('users as u', (join) =>
      join.onRef('u.org_id', '=', 'v.org_id').onRef('u.id', '=', 'v.created_by'),
    )
    .select([
      'v.id',
      'v.version',
      'v.change_note',
      'v.created_by',
      'v.created_at',
      'u.name as created_by_name',
    ])
    .where('v.org_id', '=', orgId)
    .where('v.sequence_id', '=', sequenceId)
    .orderBy('v.version', 'desc')
    .execute();
}

export async function findVersion(db: Kysely<Database>, orgId: string, sequenceId: string, version: number) {
  return db
    .selectFrom('sequence_versions')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('sequence_id', '=', sequenceId)
    .where('version', '=', version)
    .executeTakeFirst();
}

export async function findVersionById(db: Kysely<Database>, orgId: string, id: string) {
  return db
    .selectFrom('sequence_versions')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function connectedCounts(db: Kysely<Database>, orgId: string, sequenceIds: string[]) {
  const map = new Map<string, number>();
  if (sequenceIds.length === 0) return map;
  const rows = await db
    .selectFrom('connections')
    .select(['sequence_id', sql<number>`count(*)`.as('n')])
    .where('org_id', '=', orgId)
    .where('sequence_id', 'in', sequenceIds)
    .where('status', 'in', LIVE_STATUSES)
    .groupBy('sequence_id')
    .execute();
  for (const row of rows) map.set(row.sequence_id, Number(row.n));
  return map;
}

// ── List ──────────────────────────────────────────────────────────────────────────────────────────────────
export const SEQUENCE_SORTS = ['name', 'updated', 'status', 'recordType'] as const;
export type SequenceSort = (typeof SEQUENCE_SORTS)[number];

export interface SequenceListFilter {
  status?: SequenceRow['status'];
  recordType?: RecordType;
  ownerId?: string;
  /** Any of these tag ids (a tag with its descendants). */
  tagIds?: string[];
  q?: string;
  isTemplate?: boolean;
  sort: SequenceSort;
  direction: 'asc' | 'desc';
  limit: number;
  after?: { v: string | number; id: string };
}

function sortExpression(sort: SequenceSort) {
  switch (sort) {
    case 'name':
      return sql<string>`lower(s.name)`;
    case 'updated':
      return sql<number>`s.updated_at`;
    case 'status':
      return sql<string>`s.status`;
    case 'recordType':
      return sql<string>`s.record_type`;
  }
}

export function sortValue(row: SequenceRow, sort: SequenceSort): string | number {
  switch (sort) {
    case 'name':
      return row.name.toLowerCase();
    case 'updated':
      return row.updated_at;
    case 'status':
      return row.status;
    case 'recordType':
      return row.record_type;
  }
}

export async function listSequences(
  db: Kysely<Database>,
  orgId: string,
  visibility: SequenceVisibility,
  filter: SequenceListFilter,
) {
  let query = db
    .selectFrom('sequences as s')
    .leftJoin('users as u', (join) =>
      join.onRef('u.org_id', '=', 's.org_id').onRef('u.id', '=', 's.owner_id'),
    )
    .leftJoin('sequence_versions as v', (join) =>
      join.onRef('v.org_id', '=', 's.org_id').onRef('v.id', '=', 's.active_version_id'),
    )
    .selectAll('s')
    .select(['u.name as owner_name', 'v.version as active_version'])
    .where('s.org_id', '=', orgId);
  if (!visibility.all) {
    query = query.where((eb) =>
      eb.or([
        eb('s.owner_id', '=', visibility.userId),
        eb('s.business_unit_id', 'in', visibility.businessUnitIds),
        eb(
          's.id',
          'in',
          eb
            .selectFrom('sequence_shares as sh')
            .select('sh.sequence_id')
            .where('sh.org_id', '=', orgId)
            .where((inner) =>
              inner.or([
                inner.and([
                  inner('sh.principal_type', '=', 'user'),
                  inner('sh.principal_id', '=', visibility.userId),
                ]),
                inner.and([
                  inner('sh.principal_type', '=', 'business_unit'),
                  inner(
                    'sh.principal_id',
                    'in',
                    visibility.shareUnitIds.length ? visibility.shareUnitIds : ['-'],
                  ),
                ]),
              ]),
            ),
        ),
      ]),
    );
  }
  if (filter.status) query = query.where('s.status', '=', filter.status);
  if (filter.recordType) query = query.where('s.record_type', '=', filter.recordType);
  if (filter.ownerId) query = query.where('s.owner_id', '=', filter.ownerId);
  if (filter.isTemplate !== undefined) query = query.where('s.is_template', '=', filter.isTemplate ? 1 : 0);
  if (filter.tagIds) {
    const tagIds = filter.tagIds.length ? filter.tagIds : ['-'];
    query = query.where('s.id', 'in', (eb) =>
      eb
        .selectFrom('sequence_tags')
        .select('sequence_id')
        .where('org_id', '=', orgId)
        .where('tag_id', 'in', tagIds),
    );
  }
  if (filter.q) {
    const pattern = `%${filter.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where(
      sql<boolean>`(lower(s.name) like ${pattern} escape '\\' or lower(s.description) like ${pattern} escape '\\')`,
    );
  }
  const key = sortExpression(filter.sort);
  if (filter.after) {
    const { v, id } = filter.after;
    const op = filter.direction === 'asc' ? sql.raw('>') : sql.raw('<');
    query = query.where(sql<boolean>`(${key} ${op} ${v} or (${key} = ${v} and s.id ${op} ${id}))`);
  }
  return query
    .orderBy(key, filter.direction)
    .orderBy('s.id', filter.direction)
    .limit(filter.limit + 1)
    .execute();
}

export { tagsOfSequences };

// ── Export / import ───────────────────────────────────────────────────────────────────────────────────────
export async function templatesByIds(db: Kysely<Database>, orgId: string, ids: string[]) {
  if (ids.length === 0) return [];
  return db
    .selectFrom('email_templates')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', 'in', ids)
    .execute();
}

/** Import problems the importer fixes after importing (the target sequence lives in their organisation). */
export const IMPORT_TOLERATED = new Set([
  'advance_target_missing',
  'advance_target_inactive',
  'advance_target_wrong_record_type',
]);

export function remapImportedDefinition(
  document: SequenceExport,
  idMap: Map<string, string>,
): SequenceDefinition {
  return { ...remapTemplateIds(document.definition, idMap), options: document.options };
}

/** The export document of a sequence: its draft, the email templates the draft uses and its tags as paths. */
export async function exportSequence(
  db: Kysely<Database>,
  orgId: string,
  id: string,
): Promise<SequenceExport> {
  const row = await requireSequence(db, orgId, id);
  const definition = parseStoredDefinition(row.draft_json);
  const templates = await templatesByIds(db, orgId, templateIdsOf(definition));
  const allTags = await listTags(db, orgId);
  const applied = await db
    .selectFrom('sequence_tags')
    .select('tag_id')
    .where('org_id', '=', orgId)
    .where('sequence_id', '=', id)
    .execute();
  return {
    format: EXPORT_FORMAT,
    name: row.name,
    description: row.description,
    recordType: row.record_type,
    definition,
    options: definition.options,
    emailTemplates: templates
      .map((t) => ({
        id: t.id,
        name: t.name,
        language: t.language === 'pl' ? ('pl' as const) : ('en' as const),
        subject: t.subject,
        bodyHtml: t.body_html,
        bodyText: t.body_text,
        recordType: t.record_type,
      }))
      .sort((a, b) => a.id.localeCompare(b.id)),
    tags: applied.map((t) => tagPath(allTags, t.tag_id)).filter((path) => path.length > 0),
  };
}

export interface ImportResult {
  row: SequenceRow;
  /** Problems to fix before activating (e.g. an "advance to" target that does not exist here). */
  problems: ValidationProblem[];
  /** Tags that do not exist here and that the importer may not create. */
  skippedTags: string[][];
}

/**
 * Imports a parsed document in the caller's transaction: templates get new ids, the definition is remapped and
 * validated. Anything wrong (other than what the importer can fix later) throws, so nothing is half-imported.
 */
export async function importSequence(
  db: Kysely<Database>,
  input: {
    orgId: string;
    actorId: string;
    businessUnitId: string;
    document: SequenceExport;
    name?: string;
    canCreateTags: boolean;
    now: number;
  },
): Promise<ImportResult> {
  const { document } = input;
  const idMap = new Map<string, string>();
  for (const template of document.emailTemplates) {
    const created = await insertEmailTemplate(db, {
      orgId: input.orgId,
      ownerId: input.actorId,
      name: template.name,
      language: template.language,
      subject: template.subject,
      bodyHtml: template.bodyHtml,
      bodyText: template.bodyText,
      recordType: template.recordType,
      now: input.now,
    });
    idMap.set(template.id, created.id);
  }
  const context = await loadValidationContext(db, input.orgId, document.recordType, {
    viewerIds: [input.actorId],
  });
  const definition = clearUnknownAdvanceTargets(
    remapImportedDefinition(document, idMap),
    new Set(context.sequences.map((s) => s.id)),
  );
  const problems = validateDefinition(definition, context);
  const blocking = problems.filter((p) => !IMPORT_TOLERATED.has(p.code));
  if (blocking.length > 0) {
    throw new DomainError(
      'invalid',
      'import_invalid',
      `The sequence cannot be imported: ${blocking.length} problem(s) in its definition.`,
      blocking.map((p) => ({
        path: p.nodeId === null ? ['definition'] : ['node', p.nodeId],
        code: p.code,
        message: p.message,
      })),
    );
  }
  const row = await insertSequence(db, {
    orgId: input.orgId,
    actorId: input.actorId,
    ownerId: input.actorId,
    businessUnitId: input.businessUnitId,
    name: input.name ?? document.name,
    description: document.description,
    recordType: document.recordType,
    definition,
    now: input.now,
    action: 'sequence.import',
    auditExtra: { templates: idMap.size },
  });
  const skippedTags: string[][] = [];
  for (const path of document.tags) {
    const tagId = await resolveTagPath(db, {
      orgId: input.orgId,
      actorId: input.actorId,
      path,
      create: input.canCreateTags,
      now: input.now,
    });
    if (tagId === null) {
      skippedTags.push(path);
      continue;
    }
    await db
      .insertInto('sequence_tags')
      .values({ org_id: input.orgId, sequence_id: row.id, tag_id: tagId })
      .onConflict((oc) => oc.columns(['org_id', 'sequence_id', 'tag_id']).doNothing())
      .execute();
  }
  return { row, problems, skippedTags };
}
