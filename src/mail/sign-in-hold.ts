import type { Kysely } from 'kysely';
import { heldForSignIn } from '../store/mail/held-for-sign-in.ts';
import type { Database } from '../store/schema.ts';
import { releaseHeldEmails } from './release-held-emails.ts';

/**
 * A mailbox whose SMTP server refuses its sign-in (wrong user name or password, an app password required, no
 * credentials where the server wants them) will not get better by retrying: every email would be tried six times
 * over four hours, then fail for good, and the account may be locked for the failed logins. Instead the email is
 * held at the first refusal with the server's answer, the seller is told (a held email pauses its connection and
 * notifies the sender), and the emails of a refused mailbox are held without another attempt until it changes.
 * Changing (or removing) the mailbox releases them: each goes again, once.
 */
export const SIGN_IN_HOLD_PREFIX = 'The mailbox’s SMTP server refused its sign-in';

/** 5xx to AUTH (535, 534 …), or 530 "authentication required": a permanent sign-in problem. 454 is temporary. */
export function isSignInRefused(error: unknown): boolean {
  const e = error as { responseCode?: unknown; code?: unknown };
  const code = typeof e.responseCode === 'number' ? e.responseCode : null;
  if (e.code === 'EAUTH') return code === null || code >= 500;
  return code === 530;
}

export function signInHoldReason(answer: string): string {
  return `${SIGN_IN_HOLD_PREFIX} (${answer.slice(0, 300)}). Correct its user name or password in Settings → Mailboxes: its held emails then go again.`;
}

/**
 * After a mailbox changed: the emails held for its refused sign-in go back to the queue, each exactly once. A
 * seller's mailbox releases that seller's emails; the org relay (no user) every sender's.
 */
export async function releaseSignInHolds(
  db: Kysely<Database>,
  orgId: string,
  senderUserId: string | null,
  actorId: string,
  now: number,
): Promise<number> {
  const rows = await heldForSignIn(db, orgId, senderUserId, SIGN_IN_HOLD_PREFIX);
  return releaseHeldEmails(
    db,
    orgId,
    rows,
    actorId,
    'Email released: the mailbox’s settings were changed',
    now,
  );
}
