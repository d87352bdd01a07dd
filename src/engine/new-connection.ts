import { initialState, serializeState } from '../domain/engine/state.ts';
import { newId } from '../store/ids.ts';
import type { ConnectionsTable, ScheduledTasksTable } from '../store/schema.ts';
import { eventTaskRow } from '../store/tasks/event-tasks.ts';

/** Every new connection starts in the same state: serialised once, not once per connection. */
const INITIAL_STATE_JSON = serializeState(initialState());

export const connectedEventId = (connectionId: string) => `connected:${connectionId}`;

export interface NewConnectionInput {
  orgId: string;
  recordId: string;
  /** The record's owner: the connection's steps are theirs. */
  ownerId: string;
  sequenceId: string;
  /** The version the record runs (the sequence's active version when it was connected). */
  versionId: string;
  /** Who connected it: the user, or for "advance to another sequence" whoever connected the first sequence. */
  connectedBy: string;
  now: number;
}

export interface NewConnection {
  connection: ConnectionsTable;
  /** The first task: the `connected` event, which makes the engine write the timeline entry and webhook. */
  connectedTask: ScheduledTasksTable;
}

/**
 * THE one way a connection comes to be: its row (active, at no node yet, in the initial state) and its
 * `connected` event task. Both writers use it — `connectRecords` (API, bulk jobs, segments, bench, tests) and
 * the engine's own "advance to another sequence" effect (write-effects.ts) — so a record advanced by a sequence
 * gets the same connection, timeline entry and `connection.connected` webhook as one connected by a person.
 * The callers only decide whether the record may be connected and write the rows in their transaction.
 */
export function newConnection(input: NewConnectionInput): NewConnection {
  const id = newId(input.now);
  return {
    connection: {
      org_id: input.orgId,
      id,
      record_id: input.recordId,
      sequence_id: input.sequenceId,
      version_id: input.versionId,
      status: 'active',
      state_json: INITIAL_STATE_JSON,
      current_node_id: null,
      reason: null,
      owner_id: input.ownerId,
      connected_by: input.connectedBy,
      connected_at: input.now,
      ended_at: null,
      updated_at: input.now,
    },
    connectedTask: eventTaskRow(
      input.orgId,
      id,
      { id: connectedEventId(id), type: 'connected' },
      input.now,
      input.now,
    ),
  };
}
