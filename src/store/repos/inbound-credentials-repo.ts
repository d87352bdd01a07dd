import type { Kysely, Selectable } from 'kysely';
import type { Database, InboundCredentialsTable } from '../schema.ts';

/** Inbound-mail credentials: one organisation each, optionally tied to one mailbox. Secrets are stored hashed. */
export type InboundCredentialRow = Selectable<InboundCredentialsTable>;

export async function insertInboundCredential(
  db: Kysely<Database>,
  row: InboundCredentialRow,
): Promise<void> {
  await db.insertInto('inbound_credentials').values(row).execute();
}

/** Looked up by id alone (the id is the public half of the secret); the caller checks the hash. */
export async function findInboundCredential(
  db: Kysely<Database>,
  id: string,
): Promise<InboundCredentialRow | undefined> {
  return db.selectFrom('inbound_credentials').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listInboundCredentials(
  db: Kysely<Database>,
  orgId: string,
): Promise<InboundCredentialRow[]> {
  return db
    .selectFrom('inbound_credentials')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('revoked_at', 'is', null)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export async function revokeInboundCredential(
  db: Kysely<Database>,
  orgId: string,
  id: string,
  now: number,
): Promise<boolean> {
  const result = await db
    .updateTable('inbound_credentials')
    .set({ revoked_at: now })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function touchInboundCredential(
  db: Kysely<Database>,
  orgId: string,
  id: string,
  now: number,
): Promise<void> {
  await db
    .updateTable('inbound_credentials')
    .set({ last_used_at: now })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .execute();
}
