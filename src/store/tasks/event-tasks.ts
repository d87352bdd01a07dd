import type { Kysely } from 'kysely';
import type { EngineEvent } from '../../domain/engine/events.ts';
import { newId } from '../ids.ts';
import type { Database, ScheduledTasksTable } from '../schema.ts';

export interface EnqueueEventInput {
  orgId: string;
  connectionId: string;
  event: EngineEvent;
  /** When the engine should apply it (now for something that happened; later for a timer). */
  dueAt: number;
  /** Row timestamps; defaults to `dueAt`. */
  now?: number;
}

/** Key of the scheduled task carrying an event: the same event id can never be queued twice. */
export function eventTaskKey(eventId: string): string {
  return `event:${eventId}`;
}

/** The `scheduled_tasks` row carrying an event (one shape for single and multi-row inserts). */
export function eventTaskRow(
  orgId: string,
  connectionId: string,
  event: { id: string; type: string; nodeId?: string },
  dueAt: number,
  now: number,
): ScheduledTasksTable {
  return {
    org_id: orgId,
    id: newId(now),
    connection_id: connectionId,
    kind: 'event',
    payload_json: JSON.stringify(event),
    idempotency_key: eventTaskKey(event.id),
    due_at: dueAt,
    status: 'pending',
    attempts: 0,
    last_error: null,
    lease_owner: null,
    lease_until: null,
    created_at: now,
    updated_at: now,
  };
}

/**
 * Hands an event to the engine exactly once: a `scheduled_tasks` row whose idempotency key is the event id
 * (a unique constraint; a repeat is silently ignored). Call it inside the transaction that records what
 * happened (the engagement event, the webhook), so both commit or neither does. Returns true if it was new.
 */
export async function enqueueEvent(db: Kysely<Database>, input: EnqueueEventInput): Promise<boolean> {
  const now = input.now ?? input.dueAt;
  const result = await db
    .insertInto('scheduled_tasks')
    .values(eventTaskRow(input.orgId, input.connectionId, input.event, input.dueAt, now))
    .onConflict((oc) => oc.columns(['org_id', 'idempotency_key']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}
