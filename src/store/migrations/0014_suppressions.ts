import type { Kysely } from 'kysely';

// Shipped migration: never edit it; add a new file instead.

/**
 * The organisation's suppression list (spec §6): addresses nothing is sent to again and no record is connected
 * with. One row per organisation and address; a hard bounce or a complaint adds it, an admin may remove it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('suppressions')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('detail', 'text')
    .addColumn('outbound_message_id', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('suppressions_pk', ['org_id', 'address'] as never)
    .execute();
  await db.schema
    .createIndex('suppressions_recent')
    .on('suppressions')
    .columns(['org_id', 'created_at'])
    .execute();
}
