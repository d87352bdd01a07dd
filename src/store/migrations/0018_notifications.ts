import type { Kysely } from 'kysely';

// Shipped migration: never edit it; add a new file instead.

/**
 * In-app notifications for a user: a prospect replied, an email of theirs is held. Listed newest first with an
 * unread count (the bell in the header); `read_at` is set when the user has seen them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('notifications')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('record_id', 'text')
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('data_json', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('read_at', 'bigint')
    .addPrimaryKeyConstraint('notifications_pk', ['org_id', 'id'] as never)
    .execute();
  await db.schema
    .createIndex('notifications_user')
    .on('notifications')
    .columns(['org_id', 'user_id', 'created_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('notifications').execute();
}
