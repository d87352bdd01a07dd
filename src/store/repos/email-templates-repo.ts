import { type Kysely, type Selectable, sql } from 'kysely';
import { DomainError } from '../../domain/errors.ts';
import { builtinTemplateRows } from '../../domain/templates/builtin-emails.ts';
import { newId } from '../ids.ts';
import type { Database, EmailTemplatesTable, RecordType } from '../schema.ts';
import { recordAudit } from './audit-repo.ts';

export type EmailTemplateRow = Selectable<EmailTemplatesTable>;

export interface EmailTemplate {
  id: string;
  name: string;
  language: string;
  subject: string;
  bodyHtml: string;
  bodyText: string | null;
  recordType: RecordType | null;
  ownerId: string | null;
  builtin: boolean;
  createdAt: number;
  updatedAt: number;
}

export function toEmailTemplate(row: EmailTemplateRow): EmailTemplate {
  return {
    id: row.id,
    name: row.name,
    language: row.language,
    subject: row.subject,
    bodyHtml: row.body_html,
    bodyText: row.body_text,
    recordType: row.record_type,
    ownerId: row.owner_id,
    builtin: row.builtin === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * Inserts the built-in email templates (English and Polish) of the six built-in sequences. Idempotent: the
 * rows have fixed ids per organisation, so running it again inserts nothing.
 */
export async function installBuiltinTemplates(
  db: Kysely<Database>,
  orgId: string,
  now: number,
): Promise<number> {
  const rows = builtinTemplateRows();
  const present = await db
    .selectFrom('email_templates')
    .select(sql<number>`count(*)`.as('n'))
    .where('org_id', '=', orgId)
    .where('builtin', '=', 1)
    .executeTakeFirstOrThrow();
  if (Number(present.n) >= rows.length) return 0;
  const result = await db
    .insertInto('email_templates')
    .values(
      rows.map((row) => ({
        org_id: orgId,
        id: row.id,
        name: row.name,
        language: row.language,
        subject: row.subject,
        body_html: row.bodyHtml,
        body_text: row.bodyText,
        record_type: row.recordType,
        owner_id: null,
        builtin: 1 as const,
        created_at: now,
        updated_at: now,
      })),
    )
    .onConflict((oc) => oc.columns(['org_id', 'id']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0);
}

export interface TemplateFilter {
  language?: string;
  /** Templates for this record type plus those for any record type. */
  recordType?: RecordType;
  q?: string;
}

export async function listEmailTemplates(
  db: Kysely<Database>,
  orgId: string,
  filter: TemplateFilter,
  page: { limit: number; after?: { name: string; id: string } },
): Promise<EmailTemplateRow[]> {
  let query = db.selectFrom('email_templates').selectAll().where('org_id', '=', orgId);
  if (filter.language) query = query.where('language', '=', filter.language);
  if (filter.recordType) {
    const recordType = filter.recordType;
    query = query.where((eb) => eb.or([eb('record_type', '=', recordType), eb('record_type', 'is', null)]));
  }
  if (filter.q) {
    const pattern = `%${filter.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where(
      sql<boolean>`(lower(name) like ${pattern} escape '\\' or lower(subject) like ${pattern} escape '\\')`,
    );
  }
  if (page.after) {
    const { name, id } = page.after;
    query = query.where((eb) =>
      eb.or([eb('name', '>', name), eb.and([eb('name', '=', name), eb('id', '>', id)])]),
    );
  }
  return query
    .orderBy('name')
    .orderBy('id')
    .limit(page.limit + 1)
    .execute();
}

export async function findEmailTemplate(db: Kysely<Database>, orgId: string, id: string) {
  return db
    .selectFrom('email_templates')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export interface TemplateInput {
  name: string;
  language: 'en' | 'pl';
  subject: string;
  bodyHtml: string;
  bodyText: string | null;
  recordType: RecordType | null;
}

export async function insertEmailTemplate(
  db: Kysely<Database>,
  input: TemplateInput & { orgId: string; ownerId: string; now: number; id?: string },
): Promise<EmailTemplateRow> {
  const row: EmailTemplateRow = {
    org_id: input.orgId,
    id: input.id ?? newId(input.now),
    name: input.name,
    language: input.language,
    subject: input.subject,
    body_html: input.bodyHtml,
    body_text: input.bodyText,
    record_type: input.recordType,
    owner_id: input.ownerId,
    builtin: 0,
    created_at: input.now,
    updated_at: input.now,
  };
  await db.insertInto('email_templates').values(row).execute();
  await recordAudit(db, {
    orgId: input.orgId,
    actorId: input.ownerId,
    action: 'email_template.create',
    resourceType: 'email_template',
    resourceId: row.id,
    after: { name: row.name, language: row.language, subject: row.subject },
    at: input.now,
  });
  return row;
}

export async function updateEmailTemplate(
  db: Kysely<Database>,
  input: Partial<TemplateInput> & { orgId: string; id: string; actorId: string; now: number },
): Promise<EmailTemplateRow> {
  const before = await findEmailTemplate(db, input.orgId, input.id);
  if (!before) throw new DomainError('not_found', 'not_found', 'Email template not found');
  const patch = {
    ...(input.name === undefined ? {} : { name: input.name }),
    ...(input.language === undefined ? {} : { language: input.language }),
    ...(input.subject === undefined ? {} : { subject: input.subject }),
    ...(input.bodyHtml === undefined ? {} : { body_html: input.bodyHtml }),
    ...(input.bodyText === undefined ? {} : { body_text: input.bodyText }),
    ...(input.recordType === undefined ? {} : { record_type: input.recordType }),
    updated_at: input.now,
  };
  await db
    .updateTable('email_templates')
    .set(patch)
    .where('org_id', '=', input.orgId)
    .where('id', '=', input.id)
    .execute();
  await recordAudit(db, {
    orgId: input.orgId,
    actorId: input.actorId,
    action: 'email_template.update',
    resourceType: 'email_template',
    resourceId: input.id,
    before: { name: before.name, language: before.language, subject: before.subject },
    after: patch,
    at: input.now,
  });
  return { ...before, ...patch };
}

/** Names of sequences whose draft or any version uses the template. */
export async function sequencesUsingTemplate(
  db: Kysely<Database>,
  orgId: string,
  templateId: string,
): Promise<string[]> {
  const needle = `%${JSON.stringify(templateId).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const rows = await db
    .selectFrom('sequences')
    .select('name')
    .where('org_id', '=', orgId)
    .where((eb) =>
      eb.or([
        sql<boolean>`draft_json like ${needle} escape '\\'`,
        eb(
          'id',
          'in',
          eb
            .selectFrom('sequence_versions')
            .select('sequence_id')
            .where('org_id', '=', orgId)
            .where(sql<boolean>`definition_json like ${needle} escape '\\'`),
        ),
      ]),
    )
    .orderBy('name')
    .execute();
  return rows.map((row) => row.name);
}

export async function deleteEmailTemplate(
  db: Kysely<Database>,
  input: { orgId: string; id: string; actorId: string; now: number },
): Promise<void> {
  const users = await sequencesUsingTemplate(db, input.orgId, input.id);
  if (users.length > 0) {
    throw new DomainError(
      'conflict',
      'template_in_use',
      `The template is used by ${users.length} sequence(s): ${users.slice(0, 5).join(', ')}. Remove it from them first.`,
    );
  }
  await db
    .deleteFrom('email_templates')
    .where('org_id', '=', input.orgId)
    .where('id', '=', input.id)
    .execute();
  await recordAudit(db, {
    orgId: input.orgId,
    actorId: input.actorId,
    action: 'email_template.delete',
    resourceType: 'email_template',
    resourceId: input.id,
    at: input.now,
  });
}
