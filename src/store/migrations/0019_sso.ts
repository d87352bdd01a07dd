import type { Kysely } from 'kysely';

// Shipped migration: never edit it; add a new file instead.

/**
 * Single sign-on (issue 19): OpenID Connect providers an organisation's admins configure. The client secret is
 * stored encrypted (src/mail/secrets.ts); allowed domains and group mappings are JSON text.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('sso_providers')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('client_secret_enc', 'text', (c) => c.notNull())
    .addColumn('allowed_domains_json', 'text', (c) => c.notNull())
    .addColumn('default_business_unit_id', 'text', (c) => c.notNull())
    .addColumn('default_role', 'text', (c) => c.notNull())
    .addColumn('groups_claim', 'text')
    .addColumn('group_mappings_json', 'text', (c) => c.notNull())
    .addColumn('enforce', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('sso_providers_pk', ['org_id', 'id'])
    .execute();
  await db.schema.createIndex('sso_providers_id').on('sso_providers').column('id').unique().execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('sso_providers').execute();
}
