import type { Kysely } from 'kysely';
import { pauseConnection, resumeConnection } from '../engine/connect.ts';
import { endStepHold, heldEmailsOfConnection, markStepHeld } from '../store/repos/held-steps-repo.ts';
import type { OutboundRow } from '../store/repos/mail-repo.ts';
import { insertNotification, recordOwnerOf } from '../store/repos/notifications-repo.ts';
import type { Database } from '../store/schema.ts';

/**
 * A held email is work, not a footnote: its step shows `held` (not completed) and the sequence waits (the
 * connection is paused) until the seller fixes and releases the email or cancels it. Called inside the
 * transaction that holds, releases or cancels the email.
 */
export async function holdEmailStep(
  db: Kysely<Database>,
  row: Pick<
    OutboundRow,
    'org_id' | 'id' | 'step_instance_id' | 'connection_id' | 'record_id' | 'sender_user_id' | 'to_address'
  >,
  reason: string,
  now: number,
): Promise<void> {
  if (!row.step_instance_id || !row.connection_id) return;
  const held = await markStepHeld(db, { orgId: row.org_id, stepId: row.step_instance_id, now });
  if (!held) return;
  await pauseConnection(db, {
    orgId: row.org_id,
    connectionId: row.connection_id,
    now,
    reason: 'email_held',
  });
  if (row.record_id) {
    const record = await recordOwnerOf(db, row.org_id, row.record_id);
    await insertNotification(db, {
      orgId: row.org_id,
      userId: row.sender_user_id,
      kind: 'email_held',
      recordId: row.record_id,
      summary: `Email to ${record?.name ?? row.to_address} held: ${reason}`,
      data: { outboundMessageId: row.id },
      now,
    });
  }
}

/** The seller decided: the step is completed (email released) or skipped (email canceled); the sequence goes on. */
export async function endEmailHold(
  db: Kysely<Database>,
  row: Pick<OutboundRow, 'org_id' | 'step_instance_id' | 'connection_id'>,
  outcome: 'completed' | 'skipped',
  actorId: string,
  now: number,
): Promise<void> {
  if (!row.step_instance_id || !row.connection_id) return;
  const ended = await endStepHold(db, {
    orgId: row.org_id,
    stepId: row.step_instance_id,
    status: outcome,
    actorId,
    now,
  });
  if (!ended) return;
  if ((await heldEmailsOfConnection(db, row.org_id, row.connection_id)) === 0) {
    await resumeConnection(db, {
      orgId: row.org_id,
      connectionId: row.connection_id,
      now,
      reason: 'email_released',
      actorId,
    });
  }
}
