import type { Kysely } from 'kysely';

// Shipped migration: never edit it; add a new file instead.

/**
 * Issue 14, notifications and the email digest:
 * - `notifications.dedupe_key` (unique per organisation): a fact raised by several workers or twice by one
 *   (a bounce, an assignment, an overdue step) is written once; `digest_id` records the digest that carried it.
 * - `notification_settings`: per user, which kinds also arrive by email and how often (off, hourly, daily at a
 *   local hour).
 * - `notification_digests`: one row per user and period (unique), written in the transaction that queues the
 *   digest email, so several workers and restarts send it once.
 * - `outbound_messages.smtp_response`: the server's final answer (`250 …`) for a sent email.
 * - `step_instances (status, due_at)`: the worker's overdue check reads open steps by due time.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('notifications').addColumn('dedupe_key', 'text').execute();
  await db.schema.alterTable('notifications').addColumn('digest_id', 'text').execute();
  await db.schema
    .createIndex('notifications_once')
    .on('notifications')
    .columns(['org_id', 'dedupe_key'])
    .unique()
    .execute();
  await db.schema
    .createTable('notification_settings')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('kinds_json', 'text', (c) => c.notNull())
    .addColumn('frequency', 'text', (c) => c.notNull())
    .addColumn('daily_hour', 'integer', (c) => c.notNull())
    .addColumn('enabled_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('notification_settings_pk', ['org_id', 'user_id'] as never)
    .execute();
  await db.schema
    .createTable('notification_digests')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('period_key', 'text', (c) => c.notNull())
    .addColumn('outbound_message_id', 'text', (c) => c.notNull())
    .addColumn('notifications', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('notification_digests_pk', ['org_id', 'id'] as never)
    .addUniqueConstraint('notification_digests_once', ['org_id', 'user_id', 'period_key'] as never)
    .execute();
  await db.schema.alterTable('outbound_messages').addColumn('smtp_response', 'text').execute();
  await db.schema
    .createIndex('step_instances_due')
    .on('step_instances')
    .columns(['status', 'due_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('step_instances_due').execute();
  await db.schema.alterTable('outbound_messages').dropColumn('smtp_response').execute();
  await db.schema.dropTable('notification_digests').execute();
  await db.schema.dropTable('notification_settings').execute();
  await db.schema.dropIndex('notifications_once').execute();
  await db.schema.alterTable('notifications').dropColumn('digest_id').execute();
  await db.schema.alterTable('notifications').dropColumn('dedupe_key').execute();
}
