import type { Kysely } from 'kysely';

// Shipped migration: never edit it; add a new file instead.

/**
 * Every inbound message (reply, automatic reply, bounce, delay, complaint, other), whatever its class, kept raw
 * with its classification and match for 30 days so an admin can check a wrong call. The raw bytes are stored as
 * base64 text (binary junk and NUL bytes are valid input; one column type on both databases).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('inbound_messages')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('dedupe_key', 'text', (c) => c.notNull())
    .addColumn('via', 'text', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('from_address', 'text')
    .addColumn('subject', 'text')
    .addColumn('message_id', 'text')
    .addColumn('class', 'text', (c) => c.notNull())
    .addColumn('detail', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('outbound_message_id', 'text')
    .addColumn('matched_by', 'text')
    .addColumn('size_bytes', 'integer', (c) => c.notNull())
    .addColumn('raw_base64', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('inbound_messages_pk', ['org_id', 'id'] as never)
    .execute();
  await db.schema
    .createIndex('inbound_messages_dedupe')
    .on('inbound_messages')
    .columns(['org_id', 'dedupe_key'])
    .unique()
    .execute();
  await db.schema
    .createIndex('inbound_messages_recent')
    .on('inbound_messages')
    .columns(['org_id', 'received_at'])
    .execute();
  // A VERP token names an outbound message by id alone (there is no room for the organisation in a local part).
  await db.schema.createIndex('outbound_messages_by_id').on('outbound_messages').column('id').execute();
  await db.schema.createIndex('inbound_messages_age').on('inbound_messages').column('received_at').execute();
}
