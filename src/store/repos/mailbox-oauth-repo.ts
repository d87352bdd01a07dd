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

/** A connection started: only the callback carrying this `state` (its SHA-256) may finish it (0027). */
export async function setPendingState(
  db: Kysely<Database>,
  key: { orgId: string; mailboxId: string },
  stateHash: string,
): Promise<void> {
  await db
    .updateTable('mailbox_oauth')
    .set({ pending_state_hash: stateHash })
    .where('org_id', '=', key.orgId)
    .where('mailbox_id', '=', key.mailboxId)
    .execute();
}

/**
 * The callback claims its `state` once: true for the first claim, false for a replay (or a state another start
 * replaced). The UPDATE is the guard, so two concurrent callbacks cannot both win.
 */
export async function claimPendingState(
  db: Kysely<Database>,
  key: { orgId: string; mailboxId: string },
  stateHash: string,
): Promise<boolean> {
  const result = await db
    .updateTable('mailbox_oauth')
    .set({ pending_state_hash: null })
    .where('org_id', '=', key.orgId)
    .where('mailbox_id', '=', key.mailboxId)
    .where('pending_state_hash', '=', stateHash)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** A user's OAuth mailboxes that need reconnecting, each with the number of emails held for it (the work list). */
export async function reconnectNeededOf(
  db: Kysely<Database>,
  orgId: string,
  userId: string,
  reason: string,
): Promise<{ mailboxId: string; fromAddress: string | null; held: number }[]> {
  const rows = await db
    .selectFrom('mailbox_oauth')
    .innerJoin('mailboxes', (join) =>
      join
        .onRef('mailboxes.org_id', '=', 'mailbox_oauth.org_id')
        .onRef('mailboxes.id', '=', 'mailbox_oauth.mailbox_id'),
    )
    .select(['mailbox_oauth.mailbox_id', 'mailboxes.from_address'])
    .select((eb) =>
      eb
        .selectFrom('outbound_messages')
        .select((inner) => inner.fn.countAll<string | number>().as('n'))
        .where('outbound_messages.org_id', '=', orgId)
        .where('outbound_messages.sender_user_id', '=', userId)
        .where('outbound_messages.status', '=', 'held')
        .where('outbound_messages.hold_reason', '=', reason)
        .as('held'),
    )
    .where('mailbox_oauth.org_id', '=', orgId)
    .where('mailboxes.user_id', '=', userId)
    .where('mailbox_oauth.status', '=', 'reconnect_needed')
    .orderBy('mailbox_oauth.mailbox_id')
    .execute();
  return rows.map((row) => ({
    mailboxId: row.mailbox_id,
    fromAddress: row.from_address,
    held: Number(row.held ?? 0),
  }));
}
