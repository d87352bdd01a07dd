import type { Kysely } from 'kysely';

// Shipped migration: never edit it; add a new file instead.

/**
 * Render once, send byte-identical, inbound per organisation:
 *  - `content_kind`: `template` rows hold template source (or nothing: the step's template) and are rendered once
 *    when first sent; `final` rows hold what a seller wrote, sent as written (sanitised), never rendered.
 *  - `raw_mime`: the exact RFC 5322 message built on the first attempt (Date, Message-ID, tracking included);
 *    every later attempt sends these bytes again, so a retry is recognisable as the same email.
 *  - `inbound_credentials`: secrets for `POST /api/inbound/mime`, per organisation and optionally per mailbox,
 *    stored as SHA-256 hashes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('outbound_messages')
    .addColumn('content_kind', 'text', (c) => c.notNull().defaultTo('template'))
    .execute();
  await db.schema.alterTable('outbound_messages').addColumn('raw_mime', 'text').execute();
  // Per-connection order: "is an earlier email of this connection still unsent?"
  await db.schema
    .createIndex('outbound_messages_connection')
    .on('outbound_messages')
    .columns(['org_id', 'connection_id', 'status'])
    .execute();
  await db.schema
    .createTable('inbound_credentials')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('mailbox_id', 'text')
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .addPrimaryKeyConstraint('inbound_credentials_pk', ['org_id', 'id'])
    .execute();
  await db.schema
    .createIndex('inbound_credentials_id')
    .on('inbound_credentials')
    .column('id')
    .unique()
    .execute();
}
