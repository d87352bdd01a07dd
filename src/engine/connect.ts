import { type Kysely, sql } from 'kysely';
import { initialState, serializeState } from '../domain/engine/state.ts';
import { DomainError } from '../domain/errors.ts';
import { newId } from '../store/ids.ts';
import { holdConnectionTasks, releaseConnectionTasks } from '../store/repos/engine-repo.ts';
import type { Database } from '../store/schema.ts';
import { emitConnectionStateWebhook } from './connection-webhooks.ts';
import { enqueueEvent } from './enqueue-event.ts';
import { connectedEventId } from './write-effects.ts';

export interface CreateConnectionInput {
  orgId: string;
  recordId: string;
  sequenceId: string;
  versionId: string;
  ownerId: string;
  connectedBy: string;
  now: number;
}

/**
 * Connects a record to a sequence version: the connection row (active, initial state) and its `connected`
 * event, which the worker applies. Safe inside a caller's transaction (bulk connect): a record that already
 * has a live connection is refused by the unique partial index, reported as DomainError `already_connected`
 * without aborting the transaction (the insert is ON CONFLICT DO NOTHING on that index).
 */
export async function createConnection(db: Kysely<Database>, input: CreateConnectionInput): Promise<string> {
  const id = newId(input.now);
  const result = await db
    .insertInto('connections')
    .values({
      org_id: input.orgId,
      id,
      record_id: input.recordId,
      sequence_id: input.sequenceId,
      version_id: input.versionId,
      status: 'active',
      state_json: serializeState(initialState()),
      current_node_id: null,
      reason: null,
      owner_id: input.ownerId,
      connected_by: input.connectedBy,
      connected_at: input.now,
      ended_at: null,
      updated_at: input.now,
    })
    // The target names the partial unique index by its exact predicate (SQLite matches it textually).
    .onConflict((oc) =>
      oc
        .columns(['org_id', 'record_id'])
        .where(sql.ref('status'), 'in', sql`('active', 'paused')`)
        .doNothing(),
    )
    .executeTakeFirst();
  if (Number(result.numInsertedOrUpdatedRows ?? 0) === 0) {
    throw new DomainError('conflict', 'already_connected', 'The record is already connected to a sequence');
  }
  await enqueueEvent(db, {
    orgId: input.orgId,
    connectionId: id,
    event: { id: connectedEventId(id), type: 'connected' },
    dueAt: input.now,
  });
  return id;
}

/**
 * Pauses a live connection: its scheduled work is held (kept, not applied) until it is resumed. Events that
 * arrive meanwhile are held too. Returns false when the connection was not active.
 */
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
  const row = await db
    .updateTable('connections')
    .set({ status: 'paused', updated_at: input.now })
    .where('org_id', '=', input.orgId)
    .where('id', '=', input.connectionId)
    .where('status', '=', 'active')
    .returning(['record_id', 'sequence_id'])
    .executeTakeFirst();
  if (!row) return false;
  await holdConnectionTasks(db, input.orgId, input.connectionId, input.now);
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

/**
 * Resumes a paused connection: held work becomes due again (a wait that ended during the pause fires at once).
 * Returns false when the connection was not paused.
 */
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
  const row = await db
    .updateTable('connections')
    .set({ status: 'active', updated_at: input.now })
    .where('org_id', '=', input.orgId)
    .where('id', '=', input.connectionId)
    .where('status', '=', 'paused')
    .returning(['record_id', 'sequence_id'])
    .executeTakeFirst();
  if (!row) return false;
  await releaseConnectionTasks(db, input.orgId, input.connectionId, input.now);
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
