import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

/** Every tag of the organisation's email templates, by template id. */
export async function templateTagsOfOrg(db: Kysely<Database>, orgId: string): Promise<Map<string, string[]>> {
  const rows = await db
    .selectFrom('email_template_tags')
    .select(['template_id', 'tag'])
    .where('org_id', '=', orgId)
    .orderBy('tag')
    .execute();
  const out = new Map<string, string[]>();
  for (const row of rows) out.set(row.template_id, [...(out.get(row.template_id) ?? []), row.tag]);
  return out;
}

/** Replaces a template's tags. */
export async function setTemplateTags(
  db: Kysely<Database>,
  orgId: string,
  templateId: string,
  tags: string[],
): Promise<void> {
  await db
    .deleteFrom('email_template_tags')
    .where('org_id', '=', orgId)
    .where('template_id', '=', templateId)
    .execute();
  if (tags.length === 0) return;
  await db
    .insertInto('email_template_tags')
    .values(tags.map((tag) => ({ org_id: orgId, template_id: templateId, tag })))
    .execute();
}
