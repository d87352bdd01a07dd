import type { Store } from '../store/db.ts';
import { insertTimeline, markStopped, type OutboundRow } from '../store/repos/mail-repo.ts';
import { holdEmailStep } from './held-steps.ts';
import { emitWebhookEvent } from './webhooks.ts';

/** Held until a person acts (fix the record or template, then retry): shown in the outbox and timeline. */
export async function holdEmailForGood(
  store: Store,
  row: OutboundRow,
  reason: string,
  now: number,
): Promise<void> {
  await store.db.transaction().execute(async (trx) => {
    await markStopped(trx, row, 'held', reason, now);
    await emitWebhookEvent(trx, {
      orgId: row.org_id,
      event: 'email.held',
      payload: {
        outboundMessageId: row.id,
        recordId: row.record_id,
        connectionId: row.connection_id,
        reason,
      },
      idempotencyKey: `email.held:${row.id}`,
      now,
    });
    await holdEmailStep(trx, row, reason, now);
    if (row.record_id) {
      await insertTimeline(trx, {
        orgId: row.org_id,
        recordId: row.record_id,
        connectionId: row.connection_id,
        kind: 'email_held',
        actorId: null,
        summary: `Email held: ${reason}`,
        data: { outboundMessageId: row.id },
        occurredAt: now,
      });
    }
  });
}
