import { type Kysely, type Selectable, sql } from 'kysely';
import type { DialectName } from '../../db.ts';
import type {
  Database,
  OutboundMessagesTable,
  StepInstancesTable,
  TimelineEventsTable,
  WebhookDeliveriesTable,
} from '../../schema.ts';
import { isUniqueViolation } from '../tags-repo.ts';
import type { ConnectionRow, Key, RecordRow } from './load.ts';
import {
  byOrg,
  type Cell,
  chunks,
  columnsOf,
  insertRows,
  insertRowsCountingSqlite,
  updateRows,
} from './multi-row.ts';
import type { TaskRow } from './tasks.ts';

/** The engine's batch writes: connection states and every effect's rows, as multi-row statements. */

export interface ConnectionUpdate {
  orgId: string;
  id: string;
  status: ConnectionRow['status'];
  stateJson: string;
  currentNodeId: string | null;
  reason: string | null;
  endedAt: number | null;
  updatedAt: number;
  /** status, reason and ended_at are the values the row holds now (the connection only moved on). */
  keepsStatus: boolean;
}

/** Multi-row `UPDATE … FROM (VALUES …)` on both dialects (SQLite ≥ 3.33). */
export async function updateConnections(
  db: Kysely<Database>,
  dialect: DialectName,
  updates: ConnectionUpdate[],
): Promise<void> {
  // SQLite rewrites the entries of every index holding a column the SET names, changed or not: a connection that
  // only moved on (most of them) sets its state alone, so its status indexes (connections_sequence and the
  // one-live index) are not rewritten. PostgreSQL compares the values itself.
  const moved = dialect === 'sqlite' ? updates.filter((u) => u.keepsStatus) : [];
  const rest = moved.length > 0 ? updates.filter((u) => !u.keepsStatus) : updates;
  if (moved.length > 0) {
    await updateRows(
      db,
      'connections',
      ['state_json', 'current_node_id', 'updated_at'],
      moved.map((u) => [u.orgId, u.id, u.stateJson, u.currentNodeId, u.updatedAt]),
    );
  }
  if (rest.length === 0) return;
  await updateRows(
    db,
    'connections',
    ['status', 'state_json', 'current_node_id', 'reason', 'ended_at', 'updated_at'],
    rest.map((u) => [
      u.orgId,
      u.id,
      u.status,
      u.stateJson,
      u.currentNodeId,
      u.reason,
      u.endedAt,
      u.updatedAt,
    ]),
  );
}

export type StepInstanceRow = Selectable<StepInstancesTable>;

/** The columns the step upsert sets on a row that exists (its DO UPDATE SET). */
const STEP_SET_COLUMNS = [
  'status',
  'owner_id',
  'due_at',
  'outcome',
  'note',
  'variant',
  'completed_at',
  'completed_by',
  'updated_at',
] as const;

const STEP_UPSERT = `ON CONFLICT (org_id, connection_id, node_id) DO UPDATE SET ${STEP_SET_COLUMNS.map(
  (c) => `${c} = excluded.${c}`,
).join(', ')}`;

/** Upserts step instances by (org, connection, node); returns their ids. */
export async function upsertStepInstances(
  db: Kysely<Database>,
  rows: StepInstanceRow[],
): Promise<{ id: string; connection_id: string; node_id: string }[]> {
  if (rows.length === 0) return [];
  return insertRows(
    db,
    'step_instances',
    columnsOf(rows),
    rows,
    `${STEP_UPSERT} RETURNING id, connection_id, node_id`,
  );
}

/**
 * The same upsert for steps whose ids nobody needs back (no email points at them), of nodes their connection had
 * entered before this batch (so their rows exist): an UPDATE of the same columns found by the once-per-node key.
 * SQLite: a multi-row upsert keeps a statement journal (its DO UPDATE may abort; see multi-row.ts), `UPDATE OR
 * FAIL` does not. PostgreSQL: the update reads the rows from the key's index in one pass and writes about a sixth
 * fewer WAL records than the upsert, which probes the key and locks each row first. Should a row be missing after
 * all, the rows are upserted (the ones just updated are set to the same values again), so the result is the
 * upsert's.
 */
export async function writeStepInstances(db: Kysely<Database>, rows: StepInstanceRow[]): Promise<void> {
  if (rows.length === 0) return;
  const key = ['org_id', 'connection_id', 'node_id'] as const;
  const updated = await updateRows(
    db,
    'step_instances',
    [...STEP_SET_COLUMNS],
    rows.map((row) => [...key.map((k) => row[k]), ...STEP_SET_COLUMNS.map((column) => row[column])]),
    key,
  );
  if (updated === rows.length) return;
  await insertRows(db, 'step_instances', columnsOf(rows), rows, STEP_UPSERT);
}

/**
 * Step instances of nodes their connection had not entered before this batch, so no row of theirs can exist yet.
 * PostgreSQL, inside the batch transaction: a plain INSERT, without the upsert's speculative insertion (its probe
 * of the unique key and its confirm record cost about a fifth of the insert's server CPU). It runs in a
 * savepoint: should a row exist after all, the insert is undone and the rows are upserted. SQLite: an insert that
 * skips a row whose node key exists (`DO NOTHING`: no DO UPDATE, so no statement journal; see multi-row.ts);
 * should it skip any, the rows are upserted (the ones it inserted are set to the same values again). PostgreSQL
 * outside a transaction: the upsert.
 */
export async function insertNewStepInstances(
  db: Kysely<Database>,
  dialect: DialectName,
  rows: StepInstanceRow[],
): Promise<{ id: string; connection_id: string; node_id: string }[]> {
  if (rows.length === 0) return [];
  // No row existed, so each keeps the id it was given: nothing to ask back.
  const given = () =>
    rows.map((row) => ({ id: row.id, connection_id: row.connection_id, node_id: row.node_id }));
  if (dialect === 'sqlite') {
    const inserted = await insertRowsCountingSqlite(
      db,
      'step_instances',
      columnsOf(rows),
      rows,
      'ON CONFLICT (org_id, connection_id, node_id) DO NOTHING',
    );
    return inserted === rows.length ? given() : upsertStepInstances(db, rows);
  }
  if (db.isTransaction && (await insertIfAllNew(db, 'step_instances', rows))) return given();
  return upsertStepInstances(db, rows);
}

/**
 * PostgreSQL, inside the batch transaction: a plain INSERT of rows whose unique keys should not exist yet, in a
 * savepoint, without `ON CONFLICT`'s speculative insertion (a probe of the key and a confirm record per row). True
 * when every row went in; false when a key existed after all, with the insert undone (the caller then writes the
 * rows the careful way).
 */
async function insertIfAllNew<T extends object>(
  db: Kysely<Database>,
  table: string,
  rows: T[],
): Promise<boolean> {
  await sql`SAVEPOINT fresh_rows`.execute(db);
  try {
    await insertRows(db, table, columnsOf(rows), rows);
    await sql`RELEASE SAVEPOINT fresh_rows`.execute(db);
    return true;
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    await sql`ROLLBACK TO SAVEPOINT fresh_rows`.execute(db);
    await sql`RELEASE SAVEPOINT fresh_rows`.execute(db);
    return false;
  }
}

/**
 * Rows whose unique keys cannot exist yet (an engine row of a node its connection had not entered before this
 * batch). PostgreSQL, inside the batch transaction: `insertIfAllNew`, and should a key exist after all, the rows go
 * through `tail` (`ON CONFLICT … DO NOTHING`), as they would have. SQLite, and callers outside a transaction:
 * `tail` at once.
 */
async function insertFreshRows<T extends object>(
  db: Kysely<Database>,
  dialect: DialectName,
  table: string,
  rows: T[],
  tail: string,
): Promise<void> {
  if (rows.length === 0) return;
  if (dialect === 'postgres' && db.isTransaction && (await insertIfAllNew(db, table, rows))) return;
  await insertRows(db, table, columnsOf(rows), rows, tail);
}

const TASK_ONCE = 'ON CONFLICT (org_id, idempotency_key) DO NOTHING';

export async function insertTasks(db: Kysely<Database>, rows: TaskRow[]): Promise<void> {
  await insertRows(db, 'scheduled_tasks', columnsOf(rows), rows, TASK_ONCE);
}

/**
 * Tasks of the batch whose keys cannot exist yet (timers of nodes their connection had not entered before it):
 * see `insertFreshRows`.
 */
export async function insertNewTasks(
  db: Kysely<Database>,
  dialect: DialectName,
  rows: TaskRow[],
): Promise<void> {
  await insertFreshRows(db, dialect, 'scheduled_tasks', rows, TASK_ONCE);
}

/**
 * Tasks whose idempotency keys cannot exist yet (the `connected` events of connections this transaction just
 * inserted): a plain insert, without the per-row speculative check of `ON CONFLICT`.
 */
export async function insertFreshTasks(db: Kysely<Database>, rows: TaskRow[]): Promise<void> {
  await insertRows(db, 'scheduled_tasks', columnsOf(rows), rows);
}

const MESSAGE_ONCE = 'ON CONFLICT (org_id, idempotency_key) DO NOTHING';

export async function insertOutboundMessages(
  db: Kysely<Database>,
  rows: Selectable<OutboundMessagesTable>[],
): Promise<void> {
  await insertRows(db, 'outbound_messages', columnsOf(rows), rows, MESSAGE_ONCE);
}

/**
 * Emails of the batch whose idempotency keys cannot exist yet (of nodes their connection had not entered before
 * it): see `insertFreshRows`.
 */
export async function insertNewOutboundMessages(
  db: Kysely<Database>,
  dialect: DialectName,
  rows: Selectable<OutboundMessagesTable>[],
): Promise<void> {
  await insertFreshRows(db, dialect, 'outbound_messages', rows, MESSAGE_ONCE);
}

export async function insertTimeline(
  db: Kysely<Database>,
  rows: Selectable<TimelineEventsTable>[],
): Promise<void> {
  await insertRows(db, 'timeline_events', columnsOf(rows), rows);
}

export async function insertWebhookDeliveries(
  db: Kysely<Database>,
  rows: Selectable<WebhookDeliveriesTable>[],
): Promise<void> {
  await insertRows(
    db,
    'webhook_deliveries',
    columnsOf(rows),
    rows,
    'ON CONFLICT (org_id, webhook_id, idempotency_key) DO NOTHING',
  );
}

export async function insertConnections(db: Kysely<Database>, rows: ConnectionRow[]): Promise<void> {
  await insertRows(db, 'connections', columnsOf(rows), rows);
}

/** Emails of connections that ended early (reply, bounce, …) that have not gone out yet are canceled. */
export async function cancelUnsentMessages(db: Kysely<Database>, keys: Key[], now: number): Promise<void> {
  for (const [org, ids] of byOrg(
    keys,
    (k) => k.orgId,
    (k) => k.id,
  )) {
    for (const part of chunks(ids)) {
      await db
        .updateTable('outbound_messages')
        .set({ status: 'canceled', updated_at: now })
        .where('org_id', '=', org)
        .where('connection_id', 'in', part)
        .where('status', 'in', ['queued', 'held'])
        .execute();
      // A step held for its email is decided too: the email will not go.
      await db
        .updateTable('step_instances')
        .set({ status: 'canceled', updated_at: now })
        .where('org_id', '=', org)
        .where('connection_id', 'in', part)
        .where('status', '=', 'held')
        .execute();
    }
  }
}

export type RecordChanges = Partial<
  Pick<
    RecordRow,
    | 'custom_json'
    | 'stage'
    | 'status'
    | 'company'
    | 'job_title'
    | 'do_not_email'
    | 'do_not_call'
    | 'name'
    | 'first_name'
    | 'last_name'
  >
>;

/** Many records' field changes: one multi-row UPDATE per distinct set of changed columns. */
export async function updateManyRecordFields(
  db: Kysely<Database>,
  items: { orgId: string; id: string; changes: RecordChanges }[],
  now: number,
): Promise<void> {
  const groups = new Map<string, { columns: string[]; rows: Cell[][] }>();
  for (const item of items) {
    const columns = Object.keys(item.changes).sort();
    const key = columns.join(',');
    const group = groups.get(key) ?? { columns: [...columns, 'updated_at'], rows: [] };
    groups.set(key, group);
    const changes = item.changes as Record<string, Cell>;
    group.rows.push([item.orgId, item.id, ...columns.map((c) => changes[c] ?? null), now]);
  }
  for (const { columns, rows } of groups.values()) {
    await updateRows(db, 'records', columns, rows);
  }
}
