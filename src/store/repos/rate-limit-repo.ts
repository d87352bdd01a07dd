import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

export interface RateLimitHit {
  /** Hits in the current window, this one included. */
  hits: number;
  windowStart: number;
}

/**
 * Counts one hit for a key atomically (one upsert), so every process on the database adds up to one limit. A
 * window older than `windowMs` starts over with this hit.
 */
export async function countRateLimitHit(
  db: Kysely<Database>,
  key: string,
  now: number,
  windowMs: number,
): Promise<RateLimitHit> {
  const expired = now - windowMs;
  const row = await db
    .insertInto('rate_limit_hits')
    .values({ key, hits: 1, window_start: now })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet((eb) => ({
        hits: eb
          .case()
          .when('rate_limit_hits.window_start', '<=', expired)
          .then(1)
          .else(eb('rate_limit_hits.hits', '+', 1))
          .end(),
        window_start: eb
          .case()
          .when('rate_limit_hits.window_start', '<=', expired)
          .then(now)
          .else(eb.ref('rate_limit_hits.window_start'))
          .end(),
      })),
    )
    .returning(['hits', 'window_start'])
    .executeTakeFirstOrThrow();
  return { hits: Number(row.hits), windowStart: Number(row.window_start) };
}

/** The hits of a key's current window without counting one (0 when the window ended). */
export async function readRateLimitHits(
  db: Kysely<Database>,
  key: string,
  now: number,
  windowMs: number,
): Promise<RateLimitHit> {
  const row = await db
    .selectFrom('rate_limit_hits')
    .select(['hits', 'window_start'])
    .where('key', '=', key)
    .where('window_start', '>', now - windowMs)
    .executeTakeFirst();
  return row
    ? { hits: Number(row.hits), windowStart: Number(row.window_start) }
    : { hits: 0, windowStart: now };
}

/** Forgets windows that ended before `before` (keeps the table as small as the set of active clients). */
export async function pruneRateLimitHits(db: Kysely<Database>, before: number): Promise<number> {
  const result = await db.deleteFrom('rate_limit_hits').where('window_start', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
