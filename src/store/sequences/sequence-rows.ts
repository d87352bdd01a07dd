import type { Kysely, Selectable } from 'kysely';
import { DomainError } from '../../domain/errors.ts';
import { parseOrgSettings } from '../../domain/org-settings.ts';
import {
  type RecordType,
  type SequenceDefinition,
  SequenceDefinitionSchema,
} from '../../domain/sequence/definition.ts';
import {
  type ValidationContext,
  type ValidationProblem,
  validateDefinition,
} from '../../domain/sequence/validate.ts';
import { advanceCandidates } from '../../domain/sequence/visibility.ts';
import { listRecordFields } from '../repos/record-fields-repo.ts';
import { loadAccessibleSequences, loadPrincipals, loadUnitTree } from '../repos/sequence-access-repo.ts';
import type { Database, SequencesTable, SequenceVersionsTable } from '../schema.ts';

/** Sequence rows: find, shares, and the context a definition is validated in. */

export type SequenceRow = Selectable<SequencesTable>;
export type VersionRow = Selectable<SequenceVersionsTable>;

export const sequenceNotFound = () => new DomainError('not_found', 'not_found', 'Sequence not found');
export const nameTaken = () =>
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
