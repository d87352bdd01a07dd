import type { Kysely } from 'kysely';

// Shipped migration: never edit it; add a new file instead.

/**
 * OAuth mailboxes (issue 19): a mailbox whose SMTP/IMAP authentication is XOAUTH2. The mailbox row stays
 * `kind = 'smtp'` (servers, From, limits); this row holds the OAuth side: the provider preset, the app
 * registration (client secret encrypted like SMTP secrets, src/mail/secrets.ts), the refresh and access
 * tokens (encrypted), the access token's expiry and the connection status.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('mailbox_oauth')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('mailbox_id', 'text', (c) => c.notNull())
    .addColumn('preset', 'text', (c) => c.notNull())
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('authorization_endpoint', 'text')
    .addColumn('token_endpoint', 'text')
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('client_secret_enc', 'text', (c) => c.notNull())
    .addColumn('refresh_token_enc', 'text')
    .addColumn('access_token_enc', 'text')
    .addColumn('access_expires_at', 'bigint')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('status_reason', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('mailbox_oauth_pk', ['org_id', 'mailbox_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('mailbox_oauth').execute();
}
