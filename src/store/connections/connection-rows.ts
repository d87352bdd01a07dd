import type { Kysely, Selectable } from 'kysely';
import type { ConnectionsTable, Database, RecordsTable } from '../schema.ts';

/** Connection rows: the live statuses, finding a connection or record, joining a caller transaction. */

export type ConnectionRow = Selectable<ConnectionsTable>;
export type RecordRow = Selectable<RecordsTable>;

export const LIVE_STATUSES = ['active', 'paused'] as const;
export const OPEN_STEP_STATUSES = ['upcoming', 'due', 'waiting'] as const;

/** Runs `fn` in a transaction, joining the caller's when `db` already is one. */
export async function inTransaction<T>(
  db: Kysely<Database>,
  fn: (trx: Kysely<Database>) => Promise<T>,
): Promise<T> {
  if (db.isTransaction) return fn(db);
  return db.transaction().execute(fn);
}

export async function findRecord(db: Kysely<Database>, orgId: string, recordId: string) {
  return db
    .selectFrom('records')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', recordId)
    .executeTakeFirst();
}

export async function findLiveConnection(db: Kysely<Database>, orgId: string, recordId: string) {
  return db
    .selectFrom('connections')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('record_id', '=', recordId)
    .where('status', 'in', LIVE_STATUSES)
    .executeTakeFirst();
}

export async function findConnection(db: Kysely<Database>, orgId: string, id: string) {
  return db
    .selectFrom('connections')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** Connections by id (bulk pause/resume), keyed by id; unknown ids are left out. */
export async function findConnections(
  db: Kysely<Database>,
  orgId: string,
  ids: string[],
): Promise<Map<string, ConnectionRow>> {
  const map = new Map<string, ConnectionRow>();
  for (let i = 0; i < ids.length; i += 1000) {
    const chunk = ids.slice(i, i + 1000);
    if (chunk.length === 0) continue;
    const rows = await db
      .selectFrom('connections')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('id', 'in', chunk)
      .execute();
    for (const row of rows) map.set(row.id, row);
  }
  return map;
}
