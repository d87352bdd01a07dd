import type { Kysely } from 'kysely';

// Shipped migration: never edit it; add a new file instead.

/**
 * Request limits shared by every process (issue 18): one row per limited bucket (route or API token) and client,
 * keyed by a SHA-256 of both, with the hits of the current window. Like `login_attempts` it has no `org_id`: a
 * tracking pixel or an inbound post is counted before anyone knows which organisation it belongs to.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('rate_limit_hits')
    .addColumn('key', 'text', (c) => c.notNull().primaryKey())
    .addColumn('hits', 'integer', (c) => c.notNull())
    .addColumn('window_start', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('rate_limit_hits_window')
    .on('rate_limit_hits')
    .column('window_start')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('rate_limit_hits').execute();
}
