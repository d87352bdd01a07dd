import type { PostgresPool, PostgresPoolClient } from 'kysely';
import { DomainError } from '../domain/errors.ts';
import { isEndedByDatabase } from './db-errors.ts';

/**
 * PostgreSQL cannot store the NUL character (U+0000) in text and fails the whole statement, which used to turn
 * a hostile `a%00b` id or name into a 500. Every statement's parameters are checked before they reach either
 * database (SQLite too, so both behave the same): text with NUL is refused as invalid input (422 `nul_character`).
 */
export function assertNoNul(parameters: ReadonlyArray<unknown>): void {
  // Indexed loops: an engine batch checks millions of values, and `for … of` made an iterator result per value
  // wherever V8 did not optimise it away (a tenth of the SQLite worker's allocation).
  for (let i = 0; i < parameters.length; i++) {
    const value = parameters[i];
    if (typeof value === 'string') {
      if (value.includes('\u0000')) throw nulRefused();
    } else if (Array.isArray(value)) {
      // PostgreSQL array parameters (`unnest($1::text[])`).
      for (let j = 0; j < value.length; j++) {
        const item: unknown = value[j];
        if (typeof item === 'string' && item.includes('\u0000')) throw nulRefused();
      }
    }
  }
}

const nulRefused = () =>
  new DomainError('invalid', 'nul_character', 'Text must not contain the NUL character (\\u0000)', [
    { path: [], code: 'nul_character', message: 'Remove the NUL character (\\u0000)' },
  ]);

/** The first error each pooled client reported: why its session ended, when the server said (57P01, …). */
const sessionEnded = new WeakMap<object, unknown>();
const watched = new WeakSet<object>();

function watchSession(client: PostgresPoolClient): void {
  if (watched.has(client)) return;
  watched.add(client);
  const emitter = client as unknown as { on?: (event: 'error', listener: (error: unknown) => void) => void };
  emitter.on?.('error', (error) => noteSessionError(client, error));
}

/** Keeps the first error of a session, or a later one that gives the server's reason (`isEndedByDatabase`). */
function noteSessionError(client: PostgresPoolClient, error: unknown): void {
  const known = sessionEnded.get(client);
  if (known === undefined || (!isEndedByDatabase(known) && isEndedByDatabase(error))) {
    sessionEnded.set(client, error);
  }
}

/**
 * A statement sent after its session ended fails with a bare "not queryable" or "Connection terminated" error; the
 * server's reason arrived earlier: as the error of the statement it interrupted (and a transaction's ROLLBACK then
 * fails bare, and is what the caller sees), or as an 'error' event of a client waiting between statements (say,
 * `pg_terminate_backend` while the worker advanced a batch). The reason becomes the error's `cause`, so
 * `isEndedByDatabase` can tell a session the database ended from one that vanished.
 */
function withSessionReason(client: PostgresPoolClient, error: unknown): unknown {
  if (isEndedByDatabase(error)) noteSessionError(client, error);
  const reason = sessionEnded.get(client);
  if (reason !== undefined && reason !== error && error instanceof Error && error.cause === undefined) {
    error.cause = reason;
  }
  return error;
}

/** A pg pool whose clients check parameters before every query. */
export function nulGuardedPool(pool: PostgresPool): PostgresPool {
  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect();
      watchSession(client);
      return new Proxy(client, {
        get(target, property, receiver) {
          if (property !== 'query') return Reflect.get(target, property, receiver);
          return (...args: unknown[]) => {
            if (typeof args[0] === 'string' && Array.isArray(args[1])) assertNoNul(args[1]);
            const result = (target.query as (...a: unknown[]) => unknown).apply(target, args);
            if (!(result instanceof Promise)) return result;
            return result.catch((error: unknown) => {
              throw withSessionReason(target, error);
            });
          };
        },
      });
    },
    end: () => pool.end(),
  };
}
