import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { RECONNECT_HOLD_REASON } from '../../domain/oauth-mail-presets.ts';
import type { MailboxRow } from '../../store/repos/mailbox-repo.ts';
import type { Database } from '../../store/schema.ts';
import type { Route } from '../transport.ts';
import { mailboxAccess } from './mailbox-token.ts';

/** Why a sender's emails wait instead of going: a seller must reconnect, or the provider is unreachable now. */
export type SenderHold =
  | { kind: 'reconnect'; reason: string }
  | { kind: 'later'; reason: string; notBefore: number };

const RETRY_UNREACHABLE_MS = 5 * 60_000;

/**
 * The route of an XOAUTH2 mailbox: the SMTP route with a fresh access token (the pool key changes with the
 * token, so a refreshed token opens a new connection). Nothing is ever sent through another mailbox instead.
 */
export async function withOauth(
  db: Kysely<Database>,
  config: { secretKey: string; outboundAllowList: readonly string[] },
  mailbox: MailboxRow | undefined,
  route: Route,
  now: number,
): Promise<{ route: Route; hold: SenderHold | null }> {
  if (mailbox?.kind !== 'smtp' || route.kind !== 'smtp') return { route, hold: null };
  const access = await mailboxAccess(db, config, mailbox, now);
  switch (access.kind) {
    case 'none':
      return { route, hold: null };
    case 'ready': {
      const tag = createHash('sha256').update(access.accessToken).digest('base64url').slice(0, 16);
      return {
        route: {
          kind: 'smtp',
          key: `${route.key}:oauth:${tag}`,
          options: { ...route.options, accessToken: access.accessToken },
        },
        hold: null,
      };
    }
    case 'reconnect':
      return { route, hold: { kind: 'reconnect', reason: RECONNECT_HOLD_REASON } };
    case 'unavailable':
      return {
        route,
        hold: {
          kind: 'later',
          reason: `The mailbox provider could not be reached: ${access.reason}`,
          notBefore: now + RETRY_UNREACHABLE_MS,
        },
      };
    default: {
      const never: never = access;
      throw new Error(`Unknown access ${String(never)}`);
    }
  }
}
