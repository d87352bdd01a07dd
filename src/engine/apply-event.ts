import type { Kysely } from 'kysely';
import type { EngineEvent } from '../domain/engine/events.ts';
import { type ConnectionState, parseState } from '../domain/engine/state.ts';
import { DomainError } from '../domain/errors.ts';
import { lockConnections, writeTransaction } from '../store/repos/engine-repo.ts';
import type { Database } from '../store/schema.ts';
import type { EngineCore } from './engine-deps.ts';
import { runEvents } from './run-events.ts';
import { writeAdvanced } from './write-effects.ts';

export interface ApplyEventInput {
  orgId: string;
  connectionId: string;
  event: EngineEvent;
  /** Runs inside the same transaction after the change is written (e.g. the audit entry of a seller action). */
  within?: (trx: Kysely<Database>) => Promise<void>;
}

/** Events about one step: refused with `step_not_current` when they do not apply. */
const STEP_EVENTS = new Set<EngineEvent['type']>([
  'step_completed',
  'step_skipped',
  'wait_skipped',
  'step_snoozed',
  'step_assigned',
]);

/**
 * Applies one event now, in one transaction (seller actions from the API: complete, skip, snooze, skip wait,
 * assign; also disconnect with an `exit` event). Returns the new state. Throws DomainError
 * `connection_not_found`, `connection_not_active` (ended or paused) or `step_not_current` (the step is not
 * the connection's current one, or the action does not fit it). Call permission checks before this.
 */
export async function applyEvent(engine: EngineCore, input: ApplyEventInput): Promise<ConnectionState> {
  const now = engine.clock.now();
  const { store } = engine;
  return writeTransaction(store, async (trx) => {
    const [connection] = await lockConnections(trx, store.dialect, [
      { orgId: input.orgId, id: input.connectionId },
    ]);
    if (!connection) throw new DomainError('not_found', 'connection_not_found', 'Connection not found');
    const exitWhilePaused = connection.status === 'paused' && input.event.type === 'exit';
    if (connection.status !== 'active' && !exitWhilePaused) {
      throw new DomainError(
        'conflict',
        'connection_not_active',
        `The connection is ${connection.status}; nothing can change on it`,
      );
    }
    const { advanced, failures } = await runEvents(
      trx,
      store.dialect,
      [{ connection, events: [input.event] }],
      now,
    );
    if (failures[0]) throw new Error(failures[0].error);
    const done = advanced[0];
    if (!done || done.effects.length === 0) {
      if (STEP_EVENTS.has(input.event.type)) {
        throw new DomainError(
          'conflict',
          'step_not_current',
          'This step is not the current step of the connection, or the action does not apply to it',
        );
      }
      return parseState(connection.state_json);
    }
    await writeAdvanced(trx, store.dialect, advanced, now, engine.messageIdDomain);
    await input.within?.(trx);
    return done.state;
  });
}
