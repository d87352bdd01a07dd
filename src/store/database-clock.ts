import { sql } from 'kysely';
import type { Store } from './db.ts';

/**
 * The database server's clock in epoch milliseconds (PostgreSQL `clock_timestamp()`, the moment the statement
 * reads it), or null on SQLite, where one process owns the background work and no two clocks meet.
 */
export async function databaseNow(store: Store): Promise<number | null> {
  if (store.dialect !== 'postgres') return null;
  const result = await sql<{ ms: number | string }>`
    SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS ms`.execute(store.db);
  const ms = Number(result.rows[0]?.ms);
  return Number.isFinite(ms) ? ms : null;
}
