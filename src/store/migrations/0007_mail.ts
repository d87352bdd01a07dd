import type { Kysely } from 'kysely';

// Shipped migration: never edit it; add a new file instead.

/**
 * Mail: optional IMAP reply polling per mailbox, and an index for the deliverability guard's
 * "sent by this organisation in the last hour to this domain" counts.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('mailboxes').addColumn('imap_host', 'text').execute();
  await db.schema.alterTable('mailboxes').addColumn('imap_port', 'integer').execute();
  await db.schema
    .alterTable('mailboxes')
    .addColumn('imap_secure', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.alterTable('mailboxes').addColumn('imap_user', 'text').execute();
  await db.schema.alterTable('mailboxes').addColumn('imap_secret_enc', 'text').execute();
  await db.schema.alterTable('mailboxes').addColumn('imap_last_uid', 'bigint').execute();
  await db.schema.alterTable('mailboxes').addColumn('imap_last_error', 'text').execute();
  await db.schema
    .createIndex('outbound_messages_org_sent')
    .on('outbound_messages')
    .columns(['org_id', 'sent_at'])
    .execute();
}
