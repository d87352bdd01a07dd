import type { Kysely, Selectable } from 'kysely';
import type { Database, MailboxOauthTable } from '../schema.ts';
import type { OutboundRow } from './mail-repo.ts';

/** The OAuth side of XOAUTH2 mailboxes (migration 0024). Tokens are stored encrypted by the caller. */
export type MailboxOauthRow = Selectable<MailboxOauthTable>;

export async function insertMailboxOauth(db: Kysely<Database>, row: MailboxOauthRow): Promise<void> {
  await db.insertInto('mailbox_oauth').values(row).execute();
}

export async function findMailboxOauth(
  db: Kysely<Database>,
  orgId: string,
  mailboxId: string,
): Promise<MailboxOauthRow | undefined> {
  return db
    .selectFrom('mailbox_oauth')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('mailbox_id', '=', mailboxId)
    .executeTakeFirst();
}

/** New tokens from a code exchange or a refresh: the mailbox is connected. A refresh may keep the old refresh token. */
export async function saveMailboxTokens(
  db: Kysely<Database>,
  key: { orgId: string; mailboxId: string },
  tokens: { refreshTokenEnc: string | null; accessTokenEnc: string; expiresAt: number | null },
  now: number,
): Promise<void> {
  await db
    .updateTable('mailbox_oauth')
    .set({
      ...(tokens.refreshTokenEnc ? { refresh_token_enc: tokens.refreshTokenEnc } : {}),
      access_token_enc: tokens.accessTokenEnc,
      access_expires_at: tokens.expiresAt,
      status: 'connected',
      status_reason: null,
      updated_at: now,
    })
    .where('org_id', '=', key.orgId)
    .where('mailbox_id', '=', key.mailboxId)
    .execute();
}

/** The provider refused the refresh token (`invalid_grant`): only a new sign-in by the seller helps. */
export async function markReconnectNeeded(
  db: Kysely<Database>,
  key: { orgId: string; mailboxId: string },
  reason: string,
  now: number,
): Promise<void> {
  await db
    .updateTable('mailbox_oauth')
    .set({
      status: 'reconnect_needed',
      status_reason: reason,
      access_token_enc: null,
      access_expires_at: null,
      updated_at: now,
    })
    .where('org_id', '=', key.orgId)
    .where('mailbox_id', '=', key.mailboxId)
    .execute();
}

/** A seller's emails held because their mailbox needed reconnecting (released after the reconnect). */
export async function heldForReconnect(
  db: Kysely<Database>,
  orgId: string,
  senderUserId: string,
  reason: string,
): Promise<OutboundRow[]> {
  return db
    .selectFrom('outbound_messages')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('sender_user_id', '=', senderUserId)
    .where('status', '=', 'held')
    .where('hold_reason', '=', reason)
    .orderBy('created_at')
    .execute();
}
