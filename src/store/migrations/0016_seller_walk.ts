import type { Kysely } from 'kysely';

// Shipped migration: never edit it; add a new file instead.

/**
 * The organisation's email suppression list (SPEC.md §6): an address that hard-bounced or unsubscribed is never
 * emailed again and a record with it is not connected to a sequence that sends email, whatever record carries it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('email_suppressions')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('source_message_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('email_suppressions_pk', ['org_id', 'address'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('email_suppressions').execute();
}
