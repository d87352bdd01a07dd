import type { Kysely } from 'kysely';
import { advance } from '../domain/engine/advance.ts';
import type { EngineEvent } from '../domain/engine/events.ts';
import { parseState } from '../domain/engine/state.ts';
import type { DialectName } from '../store/db.ts';
import type { ConnectionRow } from '../store/repos/engine-repo.ts';
import type { Database } from '../store/schema.ts';
import { loadContext } from './load-context.ts';
import type { Advanced } from './write-effects.ts';

export interface ConnectionEvents {
  connection: ConnectionRow;
  events: EngineEvent[];
}

export interface RunResult {
  advanced: Advanced[];
  /** Connections that could not be advanced (record or version missing), with the reason. */
  failures: { connection: ConnectionRow; error: string }[];
}

/**
 * Applies each connection's events in order, in memory, with the context loaded for the whole batch in a few
 * queries. Pure orchestration: the decisions are `advance`'s; writing is `writeAdvanced`'s.
 */
export async function runEvents(
  db: Kysely<Database>,
  dialect: DialectName,
  work: ConnectionEvents[],
  now: number,
): Promise<RunResult> {
  const result: RunResult = { advanced: [], failures: [] };
  if (work.length === 0) return result;
  const loaded = await loadContext(
    db,
    dialect,
    work.map((w) => w.connection),
    now,
  );
  for (const { connection, events } of work) {
    const record = loaded.records.get(`${connection.org_id}:${connection.record_id}`);
    const definition = loaded.definitions.get(`${connection.org_id}:${connection.version_id}`);
    if (!record) {
      result.failures.push({ connection, error: `record ${connection.record_id} not found` });
      continue;
    }
    if (!definition || definition instanceof Error) {
      result.failures.push({
        connection,
        error: definition ? definition.message : `sequence version ${connection.version_id} not found`,
      });
      continue;
    }
    const context = loaded.contextFor(connection, record, definition);
    const before = parseState(connection.state_json);
    let state = before;
    const effects: Advanced['effects'] = [];
    for (const event of events) {
      const step = advance(definition, state, event, now, context);
      state = step.state;
      for (const effect of step.effects) effects.push({ eventId: event.id, effect });
      // A field set by this event is visible to the next one.
      for (const effect of step.effects) {
        if (effect.type === 'set_field') context.record.fields[effect.field] = effect.value;
      }
    }
    if (state !== before) result.advanced.push({ connection, record, before, state, effects });
  }
  return result;
}
