import { CompiledQuery, type Kysely, PostgresAdapter, type Selectable, sql, type Transaction } from 'kysely';
import type { DialectName, Store } from '../db.ts';
import type {
  ConnectionsTable,
  Database,
  OutboundMessagesTable,
  RecordsTable,
  ScheduledTasksTable,
  StepInstancesTable,
  TimelineEventsTable,
  WebhookDeliveriesTable,
} from '../schema.ts';

/**
 * The engine's SQL. Everything the scheduler and `applyEvent` read and write is here; where the dialects must
 * differ (claiming work, multi-row updates, write transactions) the difference is one small branch.
 */

export type TaskRow = Selectable<ScheduledTasksTable>;
export type ConnectionRow = Selectable<ConnectionsTable>;
export type RecordRow = Selectable<RecordsTable>;

/** `lease_owner` of tasks held back because their connection is paused (never expires by itself). */
export const PAUSED_LEASE = 'paused';
export const PAUSED_UNTIL = 8_000_000_000_000_000;

/** Rows per multi-row statement: well below both dialects' bound-parameter limits. */
const CHUNK = 400;

function chunks<T>(rows: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

/**
 * Bound parameters per hot multi-row statement (SQLite allows 32,766, PostgreSQL 65,535). Rows per statement
 * follow from the column count, so wide rows and narrow rows both make few, large statements.
 */
const MAX_PARAMS = 12_000;

type Cell = string | number | null;

/** Element types of the engine tables' non-text columns, for PostgreSQL `unnest($n::type[])` inserts. */
const PG_ARRAY_TYPES: Record<string, string> = {
  due_at: 'bigint',
  created_at: 'bigint',
  updated_at: 'bigint',
  completed_at: 'bigint',
  read_at: 'bigint',
  lease_until: 'bigint',
  not_before: 'bigint',
  sent_at: 'bigint',
  connected_at: 'bigint',
  ended_at: 'bigint',
  occurred_at: 'bigint',
  next_attempt_at: 'bigint',
  priority: 'integer',
  attempts: 'integer',
  tracking: 'integer',
  response_status: 'integer',
  do_not_email: 'integer',
  do_not_call: 'integer',
};

function isPostgres(db: Kysely<Database>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** `?` for SQLite, `$n` for PostgreSQL (n counts from 1 across the statement). */
function placeholders(pg: boolean, start: number, count: number): string {
  const out = new Array<string>(count);
  for (let i = 0; i < count; i++) out[i] = pg ? `$${start + i + 1}` : '?';
  return `(${out.join(', ')})`;
}

/**
 * The engine's hot writes, as precompiled multi-row statements: the SQL text is built directly (no query-builder
 * tree per row), and the same text recurs for same-sized chunks, so SQLite's statement cache and PostgreSQL's
 * plan reuse both apply. `tail` follows the VALUES list (ON CONFLICT …, RETURNING …).
 */
async function insertRows<T extends object, R = unknown>(
  db: Kysely<Database>,
  table: string,
  columns: (keyof T & string)[],
  rows: T[],
  tail = '',
): Promise<R[]> {
  const pg = isPostgres(db);
  const out: R[] = [];
  if (pg) {
    // One array per column: a constant-size statement however many rows (parsed and planned once, not per row).
    const arrays = columns.map((column) =>
      rows.map((row) => (row as Record<string, unknown>)[column] ?? null),
    );
    const list = columns.map((column, i) => `$${i + 1}::${PG_ARRAY_TYPES[column] ?? 'text'}[]`).join(', ');
    const text = `INSERT INTO ${table} (${columns.join(', ')}) SELECT * FROM unnest(${list}) ${tail}`;
    if (rows.length === 0) return out;
    const result = await db.executeQuery<R>(CompiledQuery.raw(text, arrays));
    out.push(...result.rows);
    return out;
  }
  const perStatement = Math.max(1, Math.floor(MAX_PARAMS / columns.length));
  const head = `INSERT INTO ${table} (${columns.join(', ')}) VALUES `;
  for (let from = 0; from < rows.length; from += perStatement) {
    const part = rows.slice(from, from + perStatement);
    const params: Cell[] = [];
    const tuples = new Array<string>(part.length);
    for (let r = 0; r < part.length; r++) {
      const row = part[r] as Record<string, unknown>;
      tuples[r] = placeholders(pg, params.length, columns.length);
      for (const column of columns) params.push((row[column] ?? null) as Cell);
    }
    const result = await db.executeQuery<R>(CompiledQuery.raw(`${head}${tuples.join(', ')} ${tail}`, params));
    out.push(...result.rows);
  }
  return out;
}

/**
 * `UPDATE table SET col = v.col, … FROM (VALUES …) v WHERE table.org_id = v.org_id AND table.id = v.id` with
 * PostgreSQL casts from the VALUES list's text to each column's type (`casts`).
 */
async function updateRows(
  db: Kysely<Database>,
  table: string,
  columns: string[],
  rows: Cell[][],
  casts: Record<string, string> = {},
): Promise<void> {
  const pg = isPostgres(db);
  const all = ['org_id', 'id', ...columns];
  if (pg) {
    if (rows.length === 0) return;
    const arrays = all.map((_, i) => rows.map((row) => row[i] ?? null));
    const list = all.map((column, i) => `$${i + 1}::${PG_ARRAY_TYPES[column] ?? 'text'}[]`).join(', ');
    const assignments = columns.map((c) => `${c} = v.${c}`).join(', ');
    await db.executeQuery(
      CompiledQuery.raw(
        `UPDATE ${table} AS t SET ${assignments} FROM unnest(${list}) AS v(${all.join(', ')}) WHERE t.org_id = v.org_id AND t.id = v.id`,
        arrays,
      ),
    );
    return;
  }
  const perStatement = Math.max(1, Math.floor(MAX_PARAMS / all.length));
  const set = columns.map((c) => `${c} = v.${c}${pg && casts[c] ? `::${casts[c]}` : ''}`).join(', ');
  for (let from = 0; from < rows.length; from += perStatement) {
    const part = rows.slice(from, from + perStatement);
    const params: Cell[] = [];
    const tuples = new Array<string>(part.length);
    for (let r = 0; r < part.length; r++) {
      tuples[r] = placeholders(pg, params.length, all.length);
      for (const cell of part[r] as Cell[]) params.push(cell);
    }
    const values = tuples.join(', ');
    const text = pg
      ? `UPDATE ${table} AS t SET ${set} FROM (VALUES ${values}) AS v(${all.join(', ')}) WHERE t.org_id = v.org_id AND t.id = v.id`
      : `WITH v(${all.join(', ')}) AS (VALUES ${values}) UPDATE ${table} SET ${set} FROM v WHERE ${table}.org_id = v.org_id AND ${table}.id = v.id`;
    await db.executeQuery(CompiledQuery.raw(text, params));
  }
}

function byOrg<T>(items: T[], orgOf: (item: T) => string, idOf: (item: T) => string): Map<string, string[]> {
  const map = new Map<string, Set<string>>();
  for (const item of items) {
    const org = orgOf(item);
    const ids = map.get(org) ?? new Set<string>();
    map.set(org, ids);
    ids.add(idOf(item));
  }
  return new Map([...map].map(([org, ids]) => [org, [...ids]]));
}

/**
 * A read-then-write transaction. SQLite: `BEGIN IMMEDIATE` takes the write lock up front, so a second process
 * (API beside worker) waits on busy_timeout instead of failing on a stale snapshot. PostgreSQL: a normal
 * transaction; rows are serialised with `SELECT … FOR UPDATE` (see `lockConnections`).
 */
export async function writeTransaction<T>(
  store: Store,
  work: (trx: Kysely<Database>) => Promise<T>,
): Promise<T> {
  if (store.dialect === 'postgres')
    return store.db.transaction().execute((trx: Transaction<Database>) => work(trx));
  return store.db.connection().execute(async (conn) => {
    await sql`BEGIN IMMEDIATE`.execute(conn);
    try {
      const result = await work(conn);
      await sql`COMMIT`.execute(conn);
      return result;
    } catch (error) {
      await sql`ROLLBACK`.execute(conn).catch(() => undefined);
      throw error;
    }
  });
}

// ── Claiming due work ─────────────────────────────────────────────────────────────────────────────────────
/**
 * Leases up to `limit` due tasks to `owner` until `now + leaseMs`. PostgreSQL: `FOR UPDATE SKIP LOCKED`, so
 * concurrent workers never claim the same row. SQLite: one process owns the scheduler; the statement is atomic.
 */
export async function claimDueTasks(
  store: Store,
  owner: string,
  now: number,
  leaseMs: number,
  limit: number,
): Promise<TaskRow[]> {
  const leaseUntil = now + leaseMs;
  if (store.dialect === 'postgres') {
    const result = await sql<TaskRow>`
      UPDATE scheduled_tasks AS t
         SET lease_owner = ${owner}, lease_until = ${leaseUntil}, updated_at = ${now}
        FROM (SELECT org_id, id FROM scheduled_tasks
               WHERE status = 'pending' AND due_at <= ${now}
                 AND (lease_until IS NULL OR lease_until < ${now})
               ORDER BY due_at
               LIMIT ${limit}
               FOR UPDATE SKIP LOCKED) AS due
       WHERE t.org_id = due.org_id AND t.id = due.id
      RETURNING t.*`.execute(store.db);
    return result.rows;
  }
  const result = await sql<TaskRow>`
    UPDATE scheduled_tasks
       SET lease_owner = ${owner}, lease_until = ${leaseUntil}, updated_at = ${now}
     WHERE rowid IN (SELECT rowid FROM scheduled_tasks
                      WHERE status = 'pending' AND due_at <= ${now}
                        AND (lease_until IS NULL OR lease_until < ${now})
                      ORDER BY due_at
                      LIMIT ${limit})
    RETURNING *`.execute(store.db);
  return result.rows;
}

/** Earliest due time of pending work not held by a lease, for the worker's sleep. */
export async function nextDueAt(db: Kysely<Database>, now: number): Promise<number | null> {
  const row = await db
    .selectFrom('scheduled_tasks')
    .select((eb) => eb.fn.min('due_at').as('due'))
    .where('status', '=', 'pending')
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
    .executeTakeFirst();
  return row?.due == null ? null : Number(row.due);
}

export async function markTasksDone(db: Kysely<Database>, tasks: TaskRow[], now: number): Promise<void> {
  for (const [org, ids] of byOrg(
    tasks,
    (t) => t.org_id,
    (t) => t.id,
  )) {
    for (const part of chunks(ids, 2000)) {
      await db
        .updateTable('scheduled_tasks')
        .set({ status: 'done', lease_owner: null, lease_until: null, updated_at: now })
        .where('org_id', '=', org)
        .where('id', 'in', part)
        .execute();
    }
  }
}

/** Holds tasks of paused connections until `resumeTasks`. */
export async function holdTasks(db: Kysely<Database>, tasks: TaskRow[], now: number): Promise<void> {
  for (const [org, ids] of byOrg(
    tasks,
    (t) => t.org_id,
    (t) => t.id,
  )) {
    for (const part of chunks(ids)) {
      await db
        .updateTable('scheduled_tasks')
        .set({ lease_owner: PAUSED_LEASE, lease_until: PAUSED_UNTIL, updated_at: now })
        .where('org_id', '=', org)
        .where('id', 'in', part)
        .execute();
    }
  }
}

export async function holdConnectionTasks(
  db: Kysely<Database>,
  orgId: string,
  connectionId: string,
  now: number,
): Promise<void> {
  await db
    .updateTable('scheduled_tasks')
    .set({ lease_owner: PAUSED_LEASE, lease_until: PAUSED_UNTIL, updated_at: now })
    .where('org_id', '=', orgId)
    .where('connection_id', '=', connectionId)
    .where('status', '=', 'pending')
    .execute();
}

export async function releaseConnectionTasks(
  db: Kysely<Database>,
  orgId: string,
  connectionId: string,
  now: number,
): Promise<void> {
  await db
    .updateTable('scheduled_tasks')
    .set({ lease_owner: null, lease_until: null, updated_at: now })
    .where('org_id', '=', orgId)
    .where('connection_id', '=', connectionId)
    .where('status', '=', 'pending')
    .where('lease_owner', '=', PAUSED_LEASE)
    .execute();
}

/** A failed attempt: back off, or give up (`dead`) after `maxAttempts`. */
export async function markTaskFailed(
  db: Kysely<Database>,
  task: TaskRow,
  error: string,
  now: number,
  maxAttempts: number,
): Promise<void> {
  const attempts = task.attempts + 1;
  await db
    .updateTable('scheduled_tasks')
    .set({
      status: attempts >= maxAttempts ? 'dead' : 'pending',
      attempts,
      last_error: error.slice(0, 2000),
      due_at: now + Math.min(3_600_000, 1000 * 2 ** attempts),
      lease_owner: null,
      lease_until: null,
      updated_at: now,
    })
    .where('org_id', '=', task.org_id)
    .where('id', '=', task.id)
    .execute();
}

/** Releases leases whose holder died (lease passed) or that a restarted worker of the same id left behind. */
export async function releaseExpiredLeases(
  db: Kysely<Database>,
  now: number,
  owner?: string,
): Promise<{ tasks: number; messages: number }> {
  let tasks = db
    .updateTable('scheduled_tasks')
    .set({ lease_owner: null, lease_until: null, updated_at: now })
    .where('status', '=', 'pending')
    .where('lease_owner', 'is not', null)
    .where('lease_owner', '!=', PAUSED_LEASE);
  tasks = owner ? tasks.where('lease_owner', '=', owner) : tasks.where('lease_until', '<', now);
  const released = await tasks.executeTakeFirst();
  return { tasks: Number(released.numUpdatedRows), messages: 0 };
}

/** Counts for the sweeper's report. */
export async function stuckWork(
  db: Kysely<Database>,
  now: number,
  overdueMs: number,
): Promise<{ expiredLeases: number; overdue: number; dead: number }> {
  const row = await db
    .selectFrom('scheduled_tasks')
    .select((eb) => [
      eb.fn
        .sum<number>(
          eb
            .case()
            .when(
              eb.and([
                eb('status', '=', 'pending'),
                eb('lease_until', '<', now),
                eb('lease_owner', '!=', PAUSED_LEASE),
              ]),
            )
            .then(1)
            .else(0)
            .end(),
        )
        .as('expired'),
      eb.fn
        .sum<number>(
          eb
            .case()
            .when(
              eb.and([
                eb('status', '=', 'pending'),
                eb('due_at', '<', now - overdueMs),
                eb.or([eb('lease_owner', 'is', null), eb('lease_owner', '!=', PAUSED_LEASE)]),
              ]),
            )
            .then(1)
            .else(0)
            .end(),
        )
        .as('overdue'),
      eb.fn.sum<number>(eb.case().when('status', '=', 'dead').then(1).else(0).end()).as('dead'),
    ])
    .where('status', 'in', ['pending', 'dead'])
    .executeTakeFirst();
  return {
    expiredLeases: Number(row?.expired ?? 0),
    overdue: Number(row?.overdue ?? 0),
    dead: Number(row?.dead ?? 0),
  };
}

// ── Loading what advance needs ────────────────────────────────────────────────────────────────────────────
export interface Key {
  orgId: string;
  id: string;
}

/** Loads connections, locking them on PostgreSQL (in id order, so concurrent workers cannot deadlock). */
export async function lockConnections(
  db: Kysely<Database>,
  dialect: DialectName,
  keys: Key[],
): Promise<ConnectionRow[]> {
  const rows: ConnectionRow[] = [];
  const groups = [
    ...byOrg(
      keys,
      (k) => k.orgId,
      (k) => k.id,
    ),
  ].sort(([a], [b]) => (a < b ? -1 : 1));
  for (const [org, ids] of groups) {
    for (const part of chunks(ids.sort(), 2000)) {
      let query = db
        .selectFrom('connections')
        .selectAll()
        .where('org_id', '=', org)
        .where('id', 'in', part)
        .orderBy('id');
      if (dialect === 'postgres') query = query.forUpdate();
      rows.push(...(await query.execute()));
    }
  }
  return rows;
}

export async function loadRecords(db: Kysely<Database>, keys: Key[]): Promise<RecordRow[]> {
  const rows: RecordRow[] = [];
  for (const [org, ids] of byOrg(
    keys,
    (k) => k.orgId,
    (k) => k.id,
  )) {
    for (const part of chunks(ids, 2000)) {
      rows.push(
        ...(await db
          .selectFrom('records')
          .selectAll()
          .where('org_id', '=', org)
          .where('id', 'in', part)
          .execute()),
      );
    }
  }
  return rows;
}

export async function loadUsers(db: Kysely<Database>, keys: Key[]) {
  const rows: { org_id: string; id: string; time_zone: string | null; working_hours_json: string }[] = [];
  for (const [org, ids] of byOrg(
    keys,
    (k) => k.orgId,
    (k) => k.id,
  )) {
    for (const part of chunks(ids, 2000)) {
      rows.push(
        ...(await db
          .selectFrom('users')
          .select(['org_id', 'id', 'time_zone', 'working_hours_json'])
          .where('org_id', '=', org)
          .where('id', 'in', part)
          .execute()),
      );
    }
  }
  return rows;
}

export async function loadOrgSettings(db: Kysely<Database>, orgIds: string[]) {
  if (orgIds.length === 0) return [];
  return db.selectFrom('orgs').select(['id', 'settings_json']).where('id', 'in', orgIds).execute();
}

export async function loadCustomFieldNames(db: Kysely<Database>, orgIds: string[]) {
  if (orgIds.length === 0) return [];
  return db
    .selectFrom('record_fields')
    .select(['org_id', 'record_type', 'name'])
    .where('org_id', 'in', orgIds)
    .execute();
}

export async function loadVersions(db: Kysely<Database>, keys: Key[]) {
  const rows: { org_id: string; id: string; definition_json: string }[] = [];
  for (const [org, ids] of byOrg(
    keys,
    (k) => k.orgId,
    (k) => k.id,
  )) {
    rows.push(
      ...(await db
        .selectFrom('sequence_versions')
        .select(['org_id', 'id', 'definition_json'])
        .where('org_id', '=', org)
        .where('id', 'in', ids)
        .execute()),
    );
  }
  return rows;
}

export async function loadEnabledWebhooks(db: Kysely<Database>, orgIds: string[]) {
  if (orgIds.length === 0) return [];
  return db
    .selectFrom('webhooks')
    .select(['org_id', 'id', 'events_json'])
    .where('org_id', 'in', orgIds)
    .where('enabled', '=', 1)
    .execute();
}

// ── Writing the results ───────────────────────────────────────────────────────────────────────────────────
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
    { ended_at: 'bigint', updated_at: 'bigint' },
  );
}

export type StepInstanceRow = Selectable<StepInstancesTable>;

const columnsOf = <T extends object>(rows: T[]) => Object.keys(rows[0] ?? {}) as (keyof T & string)[];

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

export async function insertTasks(db: Kysely<Database>, rows: TaskRow[]): Promise<void> {
  await insertRows(
    db,
    'scheduled_tasks',
    columnsOf(rows),
    rows,
    'ON CONFLICT (org_id, idempotency_key) DO NOTHING',
  );
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
    await updateRows(db, 'records', columns, rows, {
      do_not_email: 'integer',
      do_not_call: 'integer',
      updated_at: 'bigint',
    });
  }
}
