import type { Kysely } from 'kysely';

// Shipped migration: never edit it; add a new file instead.

/**
 * API token scopes and expiry, and the per-user throttle on current-password guesses.
 * Tokens made before scopes existed keep what they could do (every scope) and never expire.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('api_tokens')
    .addColumn('scopes_json', 'text', (c) => c.notNull().defaultTo('["read","write","admin"]'))
    .execute();
  await db.schema.alterTable('api_tokens').addColumn('expires_at', 'bigint').execute();

  await db.schema
    .createTable('password_attempts')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('window_start', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('password_attempts_pk', ['org_id', 'user_id'] as never)
    .execute();
}
