import { type Kysely, sql } from 'kysely';
import { parseState, serializeState } from '../../domain/engine/state.ts';
import type { Database } from '../schema.ts';
import { type ConnectionRow, LIVE_STATUSES, OPEN_STEP_STATUSES } from './connection-rows.ts';

/** Ending connections and moving them to a new owner (called from the engine exit and record changes). */

/**
 * What is left open of ended connections: open step instances canceled, pending scheduled work dropped, unsent
 * emails canceled. Call it inside the transaction that ended them.
 */
export async function cancelOpenWork(
  db: Kysely<Database>,
  input: { orgId: string; connectionIds: string[]; now: number },
): Promise<void> {
  for (let i = 0; i < input.connectionIds.length; i += 500) {
    const ids = input.connectionIds.slice(i, i + 500);
    await db
      .updateTable('step_instances')
      .set({ status: 'canceled', updated_at: input.now })
      .where('org_id', '=', input.orgId)
      .where('connection_id', 'in', ids)
      .where('status', 'in', OPEN_STEP_STATUSES)
      .execute();
    await db
      .deleteFrom('scheduled_tasks')
      .where('org_id', '=', input.orgId)
      .where('connection_id', 'in', ids)
      // A literal, so both planners can match the pending-tasks partial index (migration 0029).
      .where('status', '=', sql.lit('pending'))
      .execute();
    await db
      .updateTable('outbound_messages')
      .set({ status: 'canceled', updated_at: input.now })
      .where('org_id', '=', input.orgId)
      .where('connection_id', 'in', ids)
      .where('status', 'in', ['queued', 'held'])
      .execute();
  }
}

/**
 * Ends live connections in one go: status `disconnected` with the reason, open step instances canceled, pending
 * scheduled work dropped, unsent emails canceled. Call it inside the caller's transaction. Returns the connections it ended.
 */
export async function endConnections(
  db: Kysely<Database>,
  input: { orgId: string; connectionIds: string[]; reason: string; now: number },
): Promise<ConnectionRow[]> {
  const ended: ConnectionRow[] = [];
  for (let i = 0; i < input.connectionIds.length; i += 500) {
    const ids = input.connectionIds.slice(i, i + 500);
    if (ids.length === 0) continue;
    const live = await db
      .selectFrom('connections')
      .selectAll()
      .where('org_id', '=', input.orgId)
      .where('id', 'in', ids)
      .where('status', 'in', LIVE_STATUSES)
      .execute();
    if (live.length === 0) continue;
    const liveIds = live.map((c) => c.id);
    for (const connection of live) {
      await db
        .updateTable('connections')
        .set({
          status: 'disconnected',
          reason: input.reason,
          ended_at: input.now,
          updated_at: input.now,
          state_json: endedStateJson(connection.state_json, input.reason, input.now),
        })
        .where('org_id', '=', input.orgId)
        .where('id', '=', connection.id)
        .where('status', 'in', LIVE_STATUSES)
        .execute();
    }
    await cancelOpenWork(db, { orgId: input.orgId, connectionIds: liveIds, now: input.now });
    ended.push(...live);
  }
  return ended;
}

/** Marks the stored engine state as ended too (as `advance` would), so the engine never moves it again. */
function endedStateJson(json: string, reason: string, now: number): string {
  const state = parseState(json);
  return serializeState({
    ...state,
    status: 'disconnected',
    phase: 'ended',
    nodeId: null,
    dueAt: null,
    blockedReason: null,
    endReason: reason,
    endedAt: now,
  });
}

/** Who holds the connection's open steps (due, upcoming, waiting): distinct user ids. */
export async function openStepOwners(
  db: Kysely<Database>,
  input: { orgId: string; connectionId: string },
): Promise<string[]> {
  const rows = await db
    .selectFrom('step_instances')
    .select('owner_id')
    .distinct()
    .where('org_id', '=', input.orgId)
    .where('connection_id', '=', input.connectionId)
    .where('status', 'in', OPEN_STEP_STATUSES)
    .execute();
  return rows.map((row) => row.owner_id);
}

/**
 * Moves a connection and its open steps held by any of `fromOwnerIds` to `toOwnerId` (record owner changed).
 * `stateJson` is the connection's current (locked) state: a step handed to one of them there (`assignees`) is
 * forgotten, so the engine writes it again for the connection's owner, not back to them.
 */
export async function moveConnectionOwner(
  db: Kysely<Database>,
  input: {
    orgId: string;
    connectionId: string;
    stateJson: string;
    fromOwnerIds: string[];
    toOwnerId: string;
    now: number;
  },
): Promise<number> {
  await db
    .updateTable('connections')
    .set({
      owner_id: input.toOwnerId,
      state_json: withoutAssignees(input.stateJson, input.fromOwnerIds),
      updated_at: input.now,
    })
    .where('org_id', '=', input.orgId)
    .where('id', '=', input.connectionId)
    .execute();
  if (input.fromOwnerIds.length === 0) return 0;
  const moved = await db
    .updateTable('step_instances')
    .set({ owner_id: input.toOwnerId, updated_at: input.now })
    .where('org_id', '=', input.orgId)
    .where('connection_id', '=', input.connectionId)
    .where('owner_id', 'in', input.fromOwnerIds)
    .where('status', 'in', OPEN_STEP_STATUSES)
    .executeTakeFirst();
  return Number(moved.numUpdatedRows);
}

function withoutAssignees(json: string, userIds: string[]): string {
  const state = parseState(json);
  const assignees = Object.fromEntries(
    Object.entries(state.assignees).filter(([, userId]) => !userIds.includes(userId)),
  );
  if (Object.keys(assignees).length === Object.keys(state.assignees).length) return json;
  return serializeState({ ...state, assignees });
}
