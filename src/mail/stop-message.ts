import type { EngineEvent } from '../domain/engine/events.ts';
import { enqueueEvent } from '../engine/enqueue-event.ts';
import type { Store } from '../store/db.ts';
import { findStepNodeId, markStopped, type OutboundRow } from '../store/repos/mail-repo.ts';
import { lookup, type SendContext, suppressionOf } from './send-context.ts';

/**
 * Step 2 of delivery: emails that must not go. Do-not-email and suppressed addresses end the connection (an `exit`
 * event), a disconnected connection just cancels, a missing address fails the email and tells the engine.
 */
export interface StopDecision {
  status: 'canceled' | 'failed';
  reason: string;
  exit?: 'do_not_email' | 'bounced';
}

const SUPPRESSED_BY = {
  complaint: 'a complaint',
  hard_bounce: 'a hard bounce',
  unsubscribe: 'an unsubscribe',
};

export function stopReason(row: OutboundRow, context: SendContext): StopDecision | null {
  const record = lookup(context.records, row.org_id, row.record_id);
  if (record?.do_not_email === 1) {
    return { status: 'canceled', reason: 'The record is marked do not email', exit: 'do_not_email' };
  }
  const suppression = suppressionOf(context, row);
  if (suppression) {
    const why = suppression.reason === 'manual' ? 'an admin' : SUPPRESSED_BY[suppression.reason];
    return {
      status: 'canceled',
      reason: `The address is on the organisation's suppression list (${why}${suppression.detail ? `: ${suppression.detail}` : ''})`,
      exit: suppression.reason === 'hard_bounce' ? 'bounced' : 'do_not_email',
    };
  }
  const connection = lookup(context.connections, row.org_id, row.connection_id);
  if (connection && (connection.status === 'disconnected' || connection.status === 'failed')) {
    return { status: 'canceled', reason: `The connection is ${connection.status}` };
  }
  if (!row.to_address?.includes('@')) {
    return { status: 'failed', reason: 'The record has no email address' };
  }
  return null;
}

/** How often an email of a paused connection looks again (it goes at most this long after the resume). */
export const PAUSED_RECHECK_MS = 60_000;

/**
 * A paused connection runs nothing, emails included: one already queued (waiting for its schedule, a limit or a
 * retry) stays queued, with the reason, and goes once the seller resumes. Ended connections cancel instead.
 */
export function pausedHold(
  row: OutboundRow,
  context: SendContext,
  now: number,
): { notBefore: number; reason: string } | null {
  const connection = lookup(context.connections, row.org_id, row.connection_id);
  if (connection?.status !== 'paused') return null;
  return {
    notBefore: now + PAUSED_RECHECK_MS,
    reason: 'The connection is paused: the email goes when it is resumed',
  };
}

/** Stops the email and, in the same transaction, tells the engine what it means for the connection. */
export async function stopMessage(
  store: Store,
  row: OutboundRow,
  stop: StopDecision,
  now: number,
): Promise<void> {
  await store.db.transaction().execute(async (trx) => {
    await markStopped(trx, row, stop.status, stop.reason, now);
    if (!row.connection_id) return;
    let event: EngineEvent | null = null;
    if (stop.exit) {
      event = { id: `mail:${row.id}:exit:${stop.exit}`, type: 'exit', reason: stop.exit };
    } else if (stop.status === 'failed') {
      const nodeId = await findStepNodeId(trx, row);
      if (nodeId) event = { id: `mail:${row.id}:failed`, type: 'email_failed', nodeId, reason: stop.reason };
    }
    if (event)
      await enqueueEvent(trx, { orgId: row.org_id, connectionId: row.connection_id, event, dueAt: now, now });
  });
}
