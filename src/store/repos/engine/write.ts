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
import { byOrg, type Cell, chunks, columnsOf, insertRows, updateRows } from './multi-row.ts';
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
}

/** Multi-row `UPDATE … FROM (VALUES …)` on both dialects (SQLite ≥ 3.33). */
export async function updateConnections(
  db: Kysely<Database>,
  _dialect: DialectName,
  updates: ConnectionUpdate[],
): Promise<void> {
  await updateRows(
    db,
    'connections',
    ['status', 'state_json', 'current_node_id', 'reason', 'ended_at', 'updated_at'],
    updates.map((u) => [
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

/** Upserts step instances by (org, connection, node); returns their ids. */
export async function upsertStepInstances(
  db: Kysely<Database>,
  rows: StepInstanceRow[],
): Promise<{ id: string; connection_id: string; node_id: string }[]> {
  if (rows.length === 0) return [];
  const updated = [
    'status',
    'owner_id',
    'due_at',
    'outcome',
    'note',
    'variant',
    'completed_at',
    'completed_by',
    'updated_at',
  ];
  return insertRows(
    db,
    'step_instances',
    columnsOf(rows),
    rows,
    `ON CONFLICT (org_id, connection_id, node_id) DO UPDATE SET ${updated.map((c) => `${c} = excluded.${c}`).join(', ')} RETURNING id, connection_id, node_id`,
  );
}

/**
 * Step instances of nodes their connection had not entered before this batch, so no row of theirs can exist yet.
 * PostgreSQL, inside the batch transaction: a plain INSERT, without the upsert's speculative insertion (its probe
 * of the unique key and its confirm record cost about a fifth of the insert's server CPU). It runs in a
 * savepoint: should a row exist after all, the insert is undone and the rows are upserted. SQLite, and callers
 * outside a transaction: the upsert.
 */
export async function insertNewStepInstances(
  db: Kysely<Database>,
  dialect: DialectName,
  rows: StepInstanceRow[],
): Promise<{ id: string; connection_id: string; node_id: string }[]> {
  if (rows.length === 0) return [];
  if (dialect !== 'postgres' || !db.isTransaction) return upsertStepInstances(db, rows);
  await sql`SAVEPOINT new_steps`.execute(db);
  try {
    const ids = await insertRows<StepInstanceRow, { id: string; connection_id: string; node_id: string }>(
      db,
      'step_instances',
      columnsOf(rows),
      rows,
      'RETURNING id, connection_id, node_id',
    );
    await sql`RELEASE SAVEPOINT new_steps`.execute(db);
    return ids;
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    await sql`ROLLBACK TO SAVEPOINT new_steps`.execute(db);
    await sql`RELEASE SAVEPOINT new_steps`.execute(db);
    return upsertStepInstances(db, rows);
  }
}

export async function insertTasks(db: Kysely<Database>, rows: TaskRow[]): Promise<void> {
  await insertRows(
    db,
    'scheduled_tasks',
    columnsOf(rows),
    rows,
    'ON CONFLICT (org_id, idempotency_key) DO NOTHING',
  );
}

/**
 * Tasks whose idempotency keys cannot exist yet (the `connected` events of connections this transaction just
 * inserted): a plain insert, without the per-row speculative check of `ON CONFLICT`.
 */
export async function insertFreshTasks(db: Kysely<Database>, rows: TaskRow[]): Promise<void> {
  await insertRows(db, 'scheduled_tasks', columnsOf(rows), rows);
}

export async function insertOutboundMessages(
  db: Kysely<Database>,
  rows: Selectable<OutboundMessagesTable>[],
): Promise<void> {
  await insertRows(
    db,
    'outbound_messages',
    columnsOf(rows),
    rows,
    'ON CONFLICT (org_id, idempotency_key) DO NOTHING',
  );
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
