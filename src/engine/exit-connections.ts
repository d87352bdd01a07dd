import { type Kysely, PostgresAdapter } from 'kysely';
import type { ExitReason } from '../domain/engine/events.ts';
import type { DialectName } from '../store/db.ts';
import { cancelOpenWork, endConnections, LIVE_STATUSES } from '../store/repos/connections-repo.ts';
import { lockConnections } from '../store/repos/engine-repo.ts';
import type { EndSequenceConnections } from '../store/repos/sequences-repo.ts';
import type { Database } from '../store/schema.ts';
import { runEvents } from './run-events.ts';
import { writeAdvanced } from './write-effects.ts';

export interface ExitConnectionsInput {
  orgId: string;
  connectionIds: string[];
  reason: ExitReason;
  /** Who caused it (shown on the timeline entry); null for the system. */
  actorId: string | null;
  now: number;
  messageIdDomain?: string;
}

/** Event id of an exit: one per connection and reason, so a repeat changes nothing. */
export const exitEventId = (connectionId: string, reason: ExitReason) => `exit:${connectionId}:${reason}`;

/** The dialect behind a Kysely instance or transaction (callers of record hooks do not carry the Store). */
export function dialectOf(db: Kysely<Database>): DialectName {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/**
 * Ends live connections from outside the sequence (record closed, sequence deactivated or deleted) the one way
 * a connection ends: an `exit` event to `advance`, written with its effects (timeline entry, `connection.ended`
 * webhook, canceled step, canceled unsent email, insights via the connection's status and reason) inside the
 * caller's transaction. A connection whose record or version cannot be loaded is still ended, without effects.
 * Returns the ids of the connections that ended.
 */
export async function exitConnections(db: Kysely<Database>, input: ExitConnectionsInput): Promise<string[]> {
  if (input.connectionIds.length === 0) return [];
  const dialect = dialectOf(db);
  const locked = await lockConnections(
    db,
    dialect,
    input.connectionIds.map((id) => ({ orgId: input.orgId, id })),
  );
  const live = locked.filter((c) => (LIVE_STATUSES as readonly string[]).includes(c.status));
  const ended: string[] = [];
  for (let i = 0; i < live.length; i += 500) {
    const batch = live.slice(i, i + 500);
    const { advanced, failures } = await runEvents(
      db,
      dialect,
      batch.map((connection) => ({
        connection,
        events: [
          {
            id: exitEventId(connection.id, input.reason),
            type: 'exit' as const,
            reason: input.reason,
            actorId: input.actorId,
          },
        ],
      })),
      input.now,
    );
    const done = advanced.filter((a) => a.state.status !== 'active');
    await writeAdvanced(db, dialect, done, input.now, input.messageIdDomain);
    const exited = done.map((a) => a.connection.id);
    // Whatever the state did not know about (an open step of another node, pending timers) goes too.
    if (exited.length > 0)
      await cancelOpenWork(db, { orgId: input.orgId, connectionIds: exited, now: input.now });
    ended.push(...exited);
    if (failures.length > 0) {
      const forced = await endConnections(db, {
        orgId: input.orgId,
        connectionIds: failures.map((f) => f.connection.id),
        reason: input.reason,
        now: input.now,
      });
      ended.push(...forced.map((c) => c.id));
    }
  }
  return ended;
}

/** The store's hook for deactivating or deleting a sequence: its live connections exit through `advance`. */
export function sequenceExit(actorId: string | null, now: number): EndSequenceConnections {
  return async (db, input) => (await exitConnections(db, { ...input, actorId, now })).length;
}
