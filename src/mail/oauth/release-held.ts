import type { Kysely } from 'kysely';
import { RECONNECT_HOLD_REASON } from '../../domain/oauth-mail-presets.ts';
import { insertTimeline, requeueMessage } from '../../store/repos/mail-repo.ts';
import { heldForReconnect } from '../../store/repos/mailbox-oauth-repo.ts';
import type { Database } from '../../store/schema.ts';
import { endEmailHold } from '../held-steps.ts';

/** The seller's emails held while the mailbox needed reconnecting go back to the queue, each exactly once. */
export async function releaseHeld(
  db: Kysely<Database>,
  orgId: string,
  userId: string,
  now: number,
): Promise<number> {
  let count = 0;
  for (const row of await heldForReconnect(db, orgId, userId, RECONNECT_HOLD_REASON)) {
    if (!(await requeueMessage(db, orgId, row.id, now))) continue;
    await endEmailHold(db, row, 'completed', userId, now);
    if (row.record_id) {
      await insertTimeline(db, {
        orgId,
        recordId: row.record_id,
        connectionId: row.connection_id,
        kind: 'email_released',
        actorId: userId,
        summary: 'Email released: the mailbox was reconnected',
        data: { outboundMessageId: row.id },
        occurredAt: now,
      });
    }
    count++;
  }
  return count;
}
