import type { Kysely } from 'kysely';
import { needsRefresh } from '../../domain/oauth-mail-presets.ts';
import {
  findMailboxOauth,
  markReconnectNeeded,
  saveMailboxTokens,
} from '../../store/repos/mailbox-oauth-repo.ts';
import type { Database } from '../../store/schema.ts';
import { decryptSecret, encryptSecret } from '../secrets.ts';
import { isInvalidGrant, oauthConfiguration, refreshTokens } from './oauth-client.ts';

/**
 * The access token an XOAUTH2 mailbox sends with: the stored one while it is fresh, else a new one from the
 * refresh grant (saved encrypted). `reconnect`: the provider refused the grant (`invalid_grant`) or the mailbox
 * was never connected — its emails wait for the seller. `unavailable`: the provider could not be reached; try
 * again later.
 */
export type MailboxAccess =
  | { kind: 'none' }
  | { kind: 'ready'; accessToken: string; expiresAt: number | null }
  | { kind: 'reconnect'; reason: string }
  | { kind: 'unavailable'; reason: string };

export async function mailboxAccess(
  db: Kysely<Database>,
  config: { secretKey: string; outboundAllowList: readonly string[] },
  mailbox: { org_id: string; id: string },
  now: number,
): Promise<MailboxAccess> {
  const row = await findMailboxOauth(db, mailbox.org_id, mailbox.id);
  if (!row) return { kind: 'none' };
  switch (row.status) {
    case 'pending':
      return { kind: 'reconnect', reason: 'The mailbox was never connected' };
    case 'reconnect_needed':
      return { kind: 'reconnect', reason: row.status_reason ?? 'The mailbox needs reconnecting' };
    case 'connected':
      break;
    default: {
      const never: never = row.status;
      throw new Error(`Unknown status ${String(never)}`);
    }
  }
  if (row.access_token_enc && !needsRefresh(row.access_expires_at, now)) {
    return {
      kind: 'ready',
      accessToken: decryptSecret(config.secretKey, row.access_token_enc),
      expiresAt: row.access_expires_at,
    };
  }
  const key = { orgId: row.org_id, mailboxId: row.mailbox_id };
  if (!row.refresh_token_enc) {
    await markReconnectNeeded(db, key, 'The provider gave no refresh token', now);
    return { kind: 'reconnect', reason: 'The provider gave no refresh token' };
  }
  try {
    const configuration = await oauthConfiguration(config, row);
    const tokens = await refreshTokens(
      configuration,
      decryptSecret(config.secretKey, row.refresh_token_enc),
      now,
    );
    await saveMailboxTokens(
      db,
      key,
      {
        refreshTokenEnc: tokens.refreshToken ? encryptSecret(config.secretKey, tokens.refreshToken) : null,
        accessTokenEnc: encryptSecret(config.secretKey, tokens.accessToken),
        expiresAt: tokens.expiresAt,
      },
      now,
    );
    return { kind: 'ready', accessToken: tokens.accessToken, expiresAt: tokens.expiresAt };
  } catch (error) {
    if (isInvalidGrant(error)) {
      const reason = 'The provider refused the sign-in (invalid_grant): reconnect the mailbox';
      await markReconnectNeeded(db, key, reason, now);
      return { kind: 'reconnect', reason };
    }
    return { kind: 'unavailable', reason: error instanceof Error ? error.message : String(error) };
  }
}
