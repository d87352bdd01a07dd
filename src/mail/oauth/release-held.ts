import type { Kysely } from 'kysely';
import { RECONNECT_HOLD_REASON } from '../../domain/oauth-mail-presets.ts';
import { heldForReconnect } from '../../store/repos/mailbox-oauth-repo.ts';
import type { Database } from '../../store/schema.ts';
import { releaseHeldEmails } from '../release-held-emails.ts';

/** The seller's emails held while the mailbox needed reconnecting go back to the queue, each exactly once. */
export async function releaseHeld(
  db: Kysely<Database>,
  orgId: string,
  userId: string,
  now: number,
): Promise<number> {
  const rows = await heldForReconnect(db, orgId, userId, RECONNECT_HOLD_REASON);
  return releaseHeldEmails(db, orgId, rows, userId, 'Email released: the mailbox was reconnected', now);
}
