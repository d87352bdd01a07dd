import type { Kysely } from 'kysely';

// Shipped migration: never edit it; add a new file instead.

/** Tags on email templates (the template list filters by them), one row per template and tag. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('email_template_tags')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('template_id', 'text', (c) => c.notNull())
    .addColumn('tag', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('email_template_tags_pk', ['org_id', 'template_id', 'tag'] as never)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('email_template_tags').execute();
}
