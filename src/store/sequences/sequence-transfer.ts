import type { Kysely } from 'kysely';
import { DomainError } from '../../domain/errors.ts';
import type { SequenceDefinition } from '../../domain/sequence/definition.ts';
import {
  clearUnknownAdvanceTargets,
  EXPORT_FORMAT,
  remapTemplateIds,
  type SequenceExport,
  templateIdsOf,
} from '../../domain/sequence/export-format.ts';
import { type ValidationProblem, validateDefinition } from '../../domain/sequence/validate.ts';
import { tagPath } from '../../domain/tags/tags.ts';
import { insertEmailTemplate } from '../repos/email-templates-repo.ts';
import { listTags, resolveTagPath } from '../repos/tags-repo.ts';
import type { Database } from '../schema.ts';
import { insertSequence } from './edit-sequence.ts';
import {
  loadValidationContext,
  parseStoredDefinition,
  requireSequence,
  type SequenceRow,
} from './sequence-rows.ts';

/** Export and import of a sequence document. */

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
