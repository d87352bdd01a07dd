import type { PostgresPool, PostgresPoolClient } from 'kysely';
import { DomainError } from '../domain/errors.ts';

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

/** A pg pool whose clients check parameters before every query. */
export function nulGuardedPool(pool: PostgresPool): PostgresPool {
  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect();
      return new Proxy(client, {
        get(target, property, receiver) {
          if (property !== 'query') return Reflect.get(target, property, receiver);
          return (...args: unknown[]) => {
            if (typeof args[0] === 'string' && Array.isArray(args[1])) assertNoNul(args[1]);
            return (target.query as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      });
    },
    end: () => pool.end(),
  };
}
