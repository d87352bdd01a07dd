import { type Kysely, sql } from 'kysely';

// Shipped migration: never edit it; add a new file instead.

/**
 * CSV import as a background job (a `bulk_jobs` row of kind `import`): the uploaded file is kept here until the
 * job has gone through it, keyed by its hash so the same upload twice is the same job. The expression index
 * serves the import's dedupe rule (an email already on a record of the same type, compared case-insensitively).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('import_files')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('job_id', 'text', (c) => c.notNull())
    .addColumn('file_hash', 'text', (c) => c.notNull())
    .addColumn('record_type', 'text', (c) => c.notNull())
    .addColumn('csv', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('import_files_pk', ['org_id', 'job_id'] as never)
    .addUniqueConstraint('import_files_once', ['org_id', 'file_hash'] as never)
    .execute();
  await db.schema
    .createIndex('records_type_email')
    .on('records')
    .columns(['org_id', 'type'])
    .expression(sql`lower(email)`)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('records_type_email').execute();
  await db.schema.dropTable('import_files').execute();
}
