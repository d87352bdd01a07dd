import { type Kysely, type Selectable, sql } from 'kysely';
import type { Store } from '../../db.ts';
import type { Database, ScheduledTasksTable } from '../../schema.ts';
import { byOrg, chunks } from './multi-row.ts';

/** Due work (`scheduled_tasks`): claiming with a lease, finishing, holding, failing, and lease recovery. */

export type TaskRow = Selectable<ScheduledTasksTable>;

/** `lease_owner` of tasks held back because their connection is paused (never expires by itself). */
export const PAUSED_LEASE = 'paused';
export const PAUSED_UNTIL = 8_000_000_000_000_000;

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
