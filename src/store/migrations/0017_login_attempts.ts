import type { Kysely } from 'kysely';

// Shipped migration: never edit it; add a new file instead.

/**
 * Sign-in throttle shared by every process (issue 18): one row per account + client address (the key is a
 * SHA-256 of both, so no email or IP is stored in clear). It has no `org_id`: a sign-in is counted before anyone
 * knows which organisation, or whether any, the email belongs to.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('login_attempts')
    .addColumn('key', 'text', (c) => c.notNull().primaryKey())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('window_start', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('login_attempts_window').on('login_attempts').column('window_start').execute();
}
