import type { Kysely } from 'kysely';
import { DomainError } from '../../domain/errors.ts';
import type { RecordType, SequenceDefinition } from '../../domain/sequence/definition.ts';
import { assertDraftEditable, assertPropertiesEditable } from '../../domain/sequence/lifecycle.ts';
import { newId } from '../ids.ts';
import { recordAudit } from '../repos/audit-repo.ts';
import { isUniqueViolation } from '../repos/tags-repo.ts';
import type { Database } from '../schema.ts';
import { nameTaken, requireSequence, type SequenceRow } from './sequence-rows.ts';

/** Creating a sequence and editing its draft and properties. */

const draftChanged = () =>
  new DomainError(
    'conflict',
    'draft_changed',
    'Someone else saved this sequence after you opened it; reload it before saving again.',
  );

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
  input: {
    orgId: string;
    id: string;
    actorId: string;
    definition: SequenceDefinition;
    now: number;
    /**
     * Optimistic lock: the stored `draft_json` the editor started from. When another save came in between, nothing
     * is written and `draft_changed` is thrown, instead of silently overwriting a colleague's work.
     */
    expectedDraft?: string;
  },
): Promise<SequenceRow> {
  const row = await requireSequence(db, input.orgId, input.id);
  assertDraftEditable(row.status);
  const draft_json = JSON.stringify(input.definition);
  const updated = await db
    .updateTable('sequences')
    .set({ draft_json, updated_at: input.now })
    .where('org_id', '=', input.orgId)
    .where('id', '=', input.id)
    .$if(input.expectedDraft !== undefined, (qb) => qb.where('draft_json', '=', input.expectedDraft!))
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) throw draftChanged();
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
