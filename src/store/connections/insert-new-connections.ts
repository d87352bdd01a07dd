import { type Kysely, PostgresAdapter } from 'kysely';
import { insertFreshTasks } from '../repos/engine-repo.ts';
import type { ConnectionsTable, Database, ScheduledTasksTable } from '../schema.ts';
import { insertColumnar } from './columnar-insert.ts';

/** Rows per statement: SQLite binds every cell; PostgreSQL binds one array or scalar per column, whatever the row count. */
const CHUNK = 1000;
const PG_CHUNK = 10_000;

/** Element types of the connection and task columns that are not text, for PostgreSQL's casts. */
const PG_TYPES: Record<string, string> = {
  connected_at: 'bigint',
  ended_at: 'bigint',
  updated_at: 'bigint',
  due_at: 'bigint',
  attempts: 'integer',
  lease_until: 'bigint',
  created_at: 'bigint',
};

const isPostgres = (db: Kysely<Database>) => db.getExecutor().adapter instanceof PostgresAdapter;

/**
 * Inserts new connections and returns the ids that were written. A record connected meanwhile by someone else
 * hits the one-live-connection index (`ON CONFLICT DO NOTHING`) and is simply left out of the result instead of
 * failing the caller's transaction.
 *
 * PostgreSQL binds one array per column that differs between rows (id, record, owner) and one scalar per column
 * that does not (`insertColumnar`): a 2,000-row statement has 14 parameters, not 28,000, and only three of them
 * are arrays. SQLite, in process, takes multi-row VALUES.
 */
export async function insertNewConnections(
  db: Kysely<Database>,
  rows: ConnectionsTable[],
): Promise<Set<string>> {
  const inserted = new Set<string>();
  const pg = isPostgres(db);
  const step = pg ? PG_CHUNK : CHUNK;
  for (let i = 0; i < rows.length; i += step) {
    const part = rows.slice(i, i + step);
    const written = pg
      ? await insertColumnar<{ id: string }>(db, 'connections', part, {
          alwaysArray: ['id'],
          types: PG_TYPES,
          tail: 'ON CONFLICT DO NOTHING RETURNING id',
        })
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

/**
 * The `connected` event tasks of connections this transaction just inserted: their keys cannot exist yet, so a
 * plain insert (no `ON CONFLICT` check per row). On PostgreSQL the columns every task shares (organisation,
 * kind, due time, status, …) are bound once.
 */
export async function insertConnectedTasks(db: Kysely<Database>, rows: ScheduledTasksTable[]): Promise<void> {
  if (!isPostgres(db)) {
    await insertFreshTasks(db, rows);
    return;
  }
  for (let i = 0; i < rows.length; i += PG_CHUNK) {
    await insertColumnar(db, 'scheduled_tasks', rows.slice(i, i + PG_CHUNK), {
      alwaysArray: ['id'],
      types: PG_TYPES,
    });
  }
}
