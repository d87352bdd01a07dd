import type { Kysely } from 'kysely';
import type { OutboundRow } from '../store/mail/claim-messages.ts';
import { insertTimeline, requeueMessage } from '../store/repos/mail-repo.ts';
import type { Database } from '../store/schema.ts';
import { endEmailHold } from './held-steps.ts';

/**
 * Held emails go back to the queue, each exactly once (one already requeued by a concurrent release is skipped),
 * their held steps end, and the record's timeline says why (`summary`). Returns how many were released.
 */
export async function releaseHeldEmails(
  db: Kysely<Database>,
  orgId: string,
  rows: readonly OutboundRow[],
  actorId: string,
  summary: string,
  now: number,
): Promise<number> {
  let count = 0;
  for (const row of rows) {
    if (!(await requeueMessage(db, orgId, row.id, now))) continue;
    await endEmailHold(db, row, 'completed', actorId, now);
    if (row.record_id) {
      await insertTimeline(db, {
        orgId,
        recordId: row.record_id,
        connectionId: row.connection_id,
        kind: 'email_released',
        actorId,
        summary,
        data: { outboundMessageId: row.id },
        occurredAt: now,
      });
    }
    count++;
  }
  return count;
}
