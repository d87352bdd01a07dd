import { type Kysely, PostgresAdapter, sql } from 'kysely';
import type { ConnectionsTable, Database } from '../schema.ts';

/** Rows per statement: SQLite binds every cell; PostgreSQL binds one array per column, whatever the row count. */
const CHUNK = 1000;
const PG_CHUNK = 10_000;

/** Element types of the connection columns that are not text, for PostgreSQL's `unnest($n::type[])`. */
const PG_TYPES: Partial<Record<keyof ConnectionsTable, string>> = {
  connected_at: 'bigint',
  ended_at: 'bigint',
  updated_at: 'bigint',
};

/**
 * Inserts new connections and returns the ids that were written. A record connected meanwhile by someone else
 * hits the one-live-connection index (`ON CONFLICT DO NOTHING`) and is simply left out of the result instead of
 * failing the caller's transaction.
 *
 * PostgreSQL binds one array per column (`INSERT … SELECT * FROM unnest($1::text[], …)`): a 1,000-row statement
 * has 14 parameters, not 14,000, which parses and plans much faster. SQLite, in process, takes multi-row VALUES.
 */
export async function insertNewConnections(
  db: Kysely<Database>,
  rows: ConnectionsTable[],
): Promise<Set<string>> {
  const inserted = new Set<string>();
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const step = pg ? PG_CHUNK : CHUNK;
  for (let i = 0; i < rows.length; i += step) {
    const part = rows.slice(i, i + step);
    const written = pg
      ? await unnestInsert(db, part)
      : await db
          .insertInto('connections')
          .values(part)
          .onConflict((oc) => oc.doNothing())
          .returning('id')
          .execute();
    for (const row of written) inserted.add(row.id);
  }
  return inserted;
}

async function unnestInsert(db: Kysely<Database>, rows: ConnectionsTable[]): Promise<{ id: string }[]> {
  if (rows.length === 0) return [];
  const columns = Object.keys(rows[0]!) as (keyof ConnectionsTable)[];
  const arrays = columns.map(
    (column) => sql`${rows.map((row) => row[column] ?? null)}::${sql.raw(PG_TYPES[column] ?? 'text')}[]`,
  );
  const result = await sql<{ id: string }>`insert into connections (${sql.join(
    columns.map((column) => sql.ref(column)),
  )}) select * from unnest(${sql.join(arrays)}) on conflict do nothing returning id`.execute(db);
  return result.rows;
}
