import type { Kysely, Selectable } from 'kysely';
import type { OauthAppSettings } from '../../domain/oauth-apps.ts';
import type { Database, OauthAppsTable } from '../schema.ts';

/** Organisation-level OAuth app registrations for mailboxes (migration 0027). The secret arrives encrypted. */
export type OauthAppRow = Selectable<OauthAppsTable>;

export async function listOauthApps(db: Kysely<Database>, orgId: string): Promise<OauthAppRow[]> {
  return db.selectFrom('oauth_apps').selectAll().where('org_id', '=', orgId).orderBy('preset').execute();
}

export async function findOauthApp(
  db: Kysely<Database>,
  orgId: string,
  preset: OauthAppRow['preset'],
): Promise<OauthAppRow | undefined> {
  return db
    .selectFrom('oauth_apps')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('preset', '=', preset)
    .executeTakeFirst();
}

/** Insert or replace the registration of `row.preset` (one per provider kind and organisation). */
export async function saveOauthApp(db: Kysely<Database>, row: OauthAppRow): Promise<void> {
  const { org_id, preset, created_at, ...change } = row;
  await db
    .insertInto('oauth_apps')
    .values(row)
    .onConflict((oc) => oc.columns(['org_id', 'preset']).doUpdateSet(change))
    .execute();
}

export async function deleteOauthApp(
  db: Kysely<Database>,
  orgId: string,
  preset: OauthAppRow['preset'],
): Promise<void> {
  await db.deleteFrom('oauth_apps').where('org_id', '=', orgId).where('preset', '=', preset).execute();
}

/** How many mailboxes connect through the organisation's registration of `preset`. */
export async function countMailboxesOfApp(
  db: Kysely<Database>,
  orgId: string,
  preset: OauthAppRow['preset'],
): Promise<number> {
  const row = await db
    .selectFrom('mailbox_oauth')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('org_id', '=', orgId)
    .where('preset', '=', preset)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * A changed registration reaches the mailboxes connected through it: client id, secret, endpoints and scopes
 * (their tokens stay; a new client id or scopes may need a reconnect, which the provider will say).
 */
export async function applyOauthAppToMailboxes(
  db: Kysely<Database>,
  orgId: string,
  preset: OauthAppRow['preset'],
  change: {
    client_id: string;
    client_secret_enc: string;
    issuer: string;
    authorization_endpoint: string | null;
    token_endpoint: string | null;
    scopes: string;
  },
  now: number,
): Promise<void> {
  await db
    .updateTable('mailbox_oauth')
    .set({ ...change, updated_at: now })
    .where('org_id', '=', orgId)
    .where('preset', '=', preset)
    .execute();
}

/** The registration as the domain reads it (flags to booleans, servers grouped). */
export function appSettings(row: OauthAppRow): OauthAppSettings {
  const server = (host: string | null, port: number | null, secure: number | null) =>
    host && port ? { host, port, secure: secure === 1 } : null;
  return {
    preset: row.preset,
    label: row.label,
    tenant: row.tenant,
    issuer: row.issuer,
    scopes: row.scopes,
    smtp: server(row.smtp_host, row.smtp_port, row.smtp_secure),
    imap: server(row.imap_host, row.imap_port, row.imap_secure),
  };
}
