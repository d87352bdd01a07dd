import type { Kysely } from 'kysely';

// Shipped migration: never edit it; add a new file instead.

/**
 * Organisation-level OAuth app registrations for mailboxes (issue 19): an admin registers the Microsoft 365,
 * Google or generic XOAUTH2 app once per organisation (client secret encrypted like the other secrets); sellers
 * then connect with one click. One registration per provider kind and organisation.
 *
 * `mailbox_oauth.pending_state_hash`: the SHA-256 of the `state` of the connection started last. The callback
 * claims it once (an UPDATE that clears it), so a replayed code with the same `state` is refused before the
 * provider is contacted again.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('oauth_apps')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('preset', 'text', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('client_secret_enc', 'text', (c) => c.notNull())
    .addColumn('tenant', 'text')
    .addColumn('issuer', 'text')
    .addColumn('scopes', 'text')
    .addColumn('smtp_host', 'text')
    .addColumn('smtp_port', 'integer')
    .addColumn('smtp_secure', 'integer')
    .addColumn('imap_host', 'text')
    .addColumn('imap_port', 'integer')
    .addColumn('imap_secure', 'integer')
    .addColumn('allowed_for_sellers', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('oauth_apps_pk', ['org_id', 'preset'])
    .execute();
  await db.schema.alterTable('mailbox_oauth').addColumn('pending_state_hash', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('mailbox_oauth').dropColumn('pending_state_hash').execute();
  await db.schema.dropTable('oauth_apps').execute();
}
