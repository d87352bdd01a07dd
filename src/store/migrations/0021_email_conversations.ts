import type { Kysely } from 'kysely';

// Shipped migration: never edit it; add a new file instead.

/**
 * Email work for sellers (#14):
 *  - `user_signatures`: a seller's personal signature (sanitised HTML), added to compose, manual email steps and
 *    bulk email, and to automated emails sent as that seller unless `automated` is 0;
 *  - `inbound_replies`: every reply in full (its HTML as received; sanitised when shown), threaded by Message-ID;
 *  - `outbound_thread_headers`: a reply the seller writes from the conversation view carries In-Reply-To and
 *    References (kept beside the outbox row, read when its bytes are built).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('user_signatures')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('html', 'text', (c) => c.notNull())
    .addColumn('automated', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('user_signatures_pk', ['org_id', 'user_id'] as never)
    .execute();
  await db.schema
    .createTable('inbound_replies')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('outbound_message_id', 'text', (c) => c.notNull())
    .addColumn('record_id', 'text')
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('in_reply_to', 'text')
    .addColumn('from_address', 'text')
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('html', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('inbound_replies_pk', ['org_id', 'id'] as never)
    .execute();
  await db.schema
    .createIndex('inbound_replies_message')
    .on('inbound_replies')
    .columns(['org_id', 'message_id'])
    .unique()
    .execute();
  await db.schema
    .createIndex('inbound_replies_record')
    .on('inbound_replies')
    .columns(['org_id', 'record_id', 'received_at'])
    .execute();
  await db.schema
    .createTable('outbound_thread_headers')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('outbound_message_id', 'text', (c) => c.notNull())
    .addColumn('in_reply_to', 'text', (c) => c.notNull())
    .addColumn('references_header', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('outbound_thread_headers_pk', ['org_id', 'outbound_message_id'] as never)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('outbound_thread_headers').execute();
  await db.schema.dropTable('inbound_replies').execute();
  await db.schema.dropTable('user_signatures').execute();
}
