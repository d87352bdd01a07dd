import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
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
    for (const part of chunks(ids)) {
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
    for (const part of chunks(ids.sort())) {
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
    for (const part of chunks(ids)) {
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
    for (const part of chunks(ids)) {
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

export async function loadSequenceTargets(db: Kysely<Database>, keys: Key[]) {
  const rows: {
    org_id: string;
    id: string;
    status: string;
    active_version_id: string | null;
    record_type: string;
  }[] = [];
  for (const [org, ids] of byOrg(
    keys,
    (k) => k.orgId,
    (k) => k.id,
  )) {
    rows.push(
      ...(await db
        .selectFrom('sequences')
        .select(['org_id', 'id', 'status', 'active_version_id', 'record_type'])
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

/** One statement per chunk on PostgreSQL (`UPDATE … FROM (VALUES …)`); prepared per-row updates on SQLite. */
export async function updateConnections(
  db: Kysely<Database>,
  dialect: DialectName,
  updates: ConnectionUpdate[],
): Promise<void> {
  if (dialect === 'postgres') {
    for (const part of chunks(updates)) {
      const values = part.map(
        (u) =>
          sql`(${u.orgId}, ${u.id}, ${u.status}, ${u.stateJson}, ${u.currentNodeId}::text, ${u.reason}::text, ${u.endedAt}::bigint, ${u.updatedAt}::bigint)`,
      );
      await sql`
        UPDATE connections AS c
           SET status = v.status, state_json = v.state_json, current_node_id = v.current_node_id,
               reason = v.reason, ended_at = v.ended_at, updated_at = v.updated_at
          FROM (VALUES ${sql.join(values)}) AS v(org_id, id, status, state_json, current_node_id, reason, ended_at, updated_at)
         WHERE c.org_id = v.org_id AND c.id = v.id`.execute(db);
    }
    return;
  }
  // SQLite ≥ 3.33: UPDATE … FROM a VALUES common table expression.
  for (const part of chunks(updates, 200)) {
    const values = part.map(
      (u) =>
        sql`(${u.orgId}, ${u.id}, ${u.status}, ${u.stateJson}, ${u.currentNodeId}, ${u.reason}, ${u.endedAt}, ${u.updatedAt})`,
    );
    await sql`
      WITH v(org_id, id, status, state_json, current_node_id, reason, ended_at, updated_at) AS (VALUES ${sql.join(values)})
      UPDATE connections
         SET status = v.status, state_json = v.state_json, current_node_id = v.current_node_id,
             reason = v.reason, ended_at = v.ended_at, updated_at = v.updated_at
        FROM v
       WHERE connections.org_id = v.org_id AND connections.id = v.id`.execute(db);
  }
}

export type StepInstanceRow = Selectable<StepInstancesTable>;

/** Upserts step instances by (org, connection, node); returns their ids. */
export async function upsertStepInstances(
  db: Kysely<Database>,
  rows: StepInstanceRow[],
): Promise<{ id: string; connection_id: string; node_id: string }[]> {
  const out: { id: string; connection_id: string; node_id: string }[] = [];
  for (const part of chunks(rows)) {
    out.push(
      ...(await db
        .insertInto('step_instances')
        .values(part)
        .onConflict((oc) =>
          oc.columns(['org_id', 'connection_id', 'node_id']).doUpdateSet((eb) => ({
            status: eb.ref('excluded.status'),
            owner_id: eb.ref('excluded.owner_id'),
            due_at: eb.ref('excluded.due_at'),
            outcome: eb.ref('excluded.outcome'),
            note: eb.ref('excluded.note'),
            variant: eb.ref('excluded.variant'),
            completed_at: eb.ref('excluded.completed_at'),
            completed_by: eb.ref('excluded.completed_by'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .returning(['id', 'connection_id', 'node_id'])
        .execute()),
    );
  }
  return out;
}

export async function insertTasks(db: Kysely<Database>, rows: TaskRow[]): Promise<void> {
  for (const part of chunks(rows)) {
    await db
      .insertInto('scheduled_tasks')
      .values(part)
      .onConflict((oc) => oc.columns(['org_id', 'idempotency_key']).doNothing())
      .execute();
  }
}

export async function insertOutboundMessages(
  db: Kysely<Database>,
  rows: Selectable<OutboundMessagesTable>[],
): Promise<void> {
  for (const part of chunks(rows)) {
    await db
      .insertInto('outbound_messages')
      .values(part)
      .onConflict((oc) => oc.columns(['org_id', 'idempotency_key']).doNothing())
      .execute();
  }
}

export async function insertTimeline(
  db: Kysely<Database>,
  rows: Selectable<TimelineEventsTable>[],
): Promise<void> {
  for (const part of chunks(rows)) await db.insertInto('timeline_events').values(part).execute();
}

export async function insertWebhookDeliveries(
  db: Kysely<Database>,
  rows: Selectable<WebhookDeliveriesTable>[],
): Promise<void> {
  for (const part of chunks(rows)) {
    await db
      .insertInto('webhook_deliveries')
      .values(part)
      .onConflict((oc) => oc.columns(['org_id', 'webhook_id', 'idempotency_key']).doNothing())
      .execute();
  }
}

export async function insertConnections(db: Kysely<Database>, rows: ConnectionRow[]): Promise<void> {
  for (const part of chunks(rows)) await db.insertInto('connections').values(part).execute();
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
    }
  }
}

export async function updateRecordFields(
  db: Kysely<Database>,
  orgId: string,
  recordId: string,
  changes: Partial<
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
  >,
  now: number,
): Promise<void> {
  await db
    .updateTable('records')
    .set({ ...changes, updated_at: now })
    .where('org_id', '=', orgId)
    .where('id', '=', recordId)
    .execute();
}
