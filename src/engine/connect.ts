import type { Kysely } from 'kysely';
import { pauseConnectionRow, resumeConnectionRow } from '../store/connections/pause-connection.ts';
import type { Database } from '../store/schema.ts';
import { emitConnectionStateWebhook } from './connection-webhooks.ts';

/*
 * Pausing and resuming a connection, with their `connection.paused` / `connection.resumed` webhooks queued in the
 * caller's transaction. Records are connected only by `connectRecords` (`connect-records.ts`).
 */

/** Pauses a live connection (its work is held until resumed). Returns false when it was not active. */
export async function pauseConnection(
  db: Kysely<Database>,
  input: {
    orgId: string;
    connectionId: string;
    now: number;
    reason?: 'manual' | 'email_held';
    actorId?: string | null;
  },
): Promise<boolean> {
  const row = await pauseConnectionRow(db, input);
  if (!row) return false;
  await emitConnectionStateWebhook(db, {
    orgId: input.orgId,
    event: 'connection.paused',
    data: {
      connectionId: input.connectionId,
      recordId: row.record_id,
      sequenceId: row.sequence_id,
      reason: input.reason ?? 'manual',
      actorId: input.actorId ?? null,
    },
    now: input.now,
  });
  return true;
}

/** Resumes a paused connection (held work becomes due again). Returns false when it was not paused. */
export async function resumeConnection(
  db: Kysely<Database>,
  input: {
    orgId: string;
    connectionId: string;
    now: number;
    reason?: 'manual' | 'email_released';
    actorId?: string | null;
  },
): Promise<boolean> {
  const row = await resumeConnectionRow(db, input);
  if (!row) return false;
  await emitConnectionStateWebhook(db, {
    orgId: input.orgId,
    event: 'connection.resumed',
    data: {
      connectionId: input.connectionId,
      recordId: row.record_id,
      sequenceId: row.sequence_id,
      reason: input.reason ?? 'manual',
      actorId: input.actorId ?? null,
    },
    now: input.now,
  });
  return true;
}
