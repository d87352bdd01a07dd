import { type Kysely, type RawBuilder, type Selectable, sql } from 'kysely';
import type { Store } from '../../db.ts';
import type { Database, ScheduledTasksTable } from '../../schema.ts';
import { byOrg, chunks, idIn, isPostgres } from './multi-row.ts';

/** Due work (`scheduled_tasks`): claiming with a lease, finishing, holding, failing, and lease recovery. */

export type TaskRow = Selectable<ScheduledTasksTable>;

/** `lease_owner` of tasks held back because their connection is paused (never expires by itself). */
export const PAUSED_LEASE = 'paused';
export const PAUSED_UNTIL = 8_000_000_000_000_000;

/**
 * Leases due tasks to `owner` until `now + leaseMs`, counting the attempt AT CLAIM (`attempts + 1`): a task whose
 * worker dies while holding it (SIGKILL, out of memory, a crash the process cannot catch) has used an attempt
 * all the same. Three steps:
 *  1. tasks claimed `maxAttempts` times whose last claim never finished (lease ended, still pending) are `dead`;
 *  2. a task claimed before and not finished (a suspect: its worker died, or it failed) is claimed ALONE, so a
 *     task that kills its worker cannot take a whole batch down with it five times;
 *  3. otherwise up to `limit` fresh tasks.
 * PostgreSQL: `FOR UPDATE SKIP LOCKED`, so concurrent workers never claim the same row. SQLite: one process owns
 * the scheduler; each statement is atomic.
 */
export async function claimDueTasks(
  store: Store,
  owner: string,
  now: number,
  leaseMs: number,
  limit: number,
  maxAttempts: number,
): Promise<TaskRow[]> {
  await buryExhaustedTasks(store.db, now, maxAttempts);
  const suspect = await claimSuspect(store, owner, now, leaseMs);
  if (suspect.length > 0) return suspect;
  return claimWhere(store, owner, now, leaseMs, limit, sql`attempts = 0`);
}

/** Step 2 of a claim alone: one task tried before and not finished, leased (its attempt counted at claim). */
export function claimSuspect(store: Store, owner: string, now: number, leaseMs: number): Promise<TaskRow[]> {
  return claimWhere(store, owner, now, leaseMs, 1, sql`attempts > 0`);
}

/**
 * Whether a suspect (a task tried before and not finished) is due and free to claim now. A worker that applies
 * several batches at once asks this first: a suspect is tried with nothing else in flight in its process.
 */
export async function suspectDue(db: Kysely<Database>, now: number): Promise<boolean> {
  return (await suspectDueQuery(db, now).executeTakeFirst()) !== undefined;
}

/** The read of `suspectDue` (its plan is tested: it must read the retry index, not every pending task). */
export function suspectDueQuery(db: Kysely<Database>, now: number) {
  return (
    db
      .selectFrom('scheduled_tasks')
      .select('id')
      .where('status', '=', sql.lit('pending'))
      // `attempts > 0` literally, so the planner can use the small `scheduled_tasks_retry` partial index.
      .where(sql<boolean>`attempts > 0`)
      .where('due_at', '<=', now)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      // Ordered by the retry index's key, as the claim is: without it PostgreSQL planned `LIMIT 1` as a walk of
      // every pending task (expecting a suspect early), which grew with the backlog and ran before every batch.
      .orderBy('due_at')
      .limit(1)
  );
}

async function claimWhere(
  store: Store,
  owner: string,
  now: number,
  leaseMs: number,
  limit: number,
  filter: RawBuilder<unknown>,
): Promise<TaskRow[]> {
  const leaseUntil = now + leaseMs;
  if (store.dialect === 'postgres') {
    const result = await sql<TaskRow>`
      UPDATE scheduled_tasks AS t
         SET lease_owner = ${owner}, lease_until = ${leaseUntil}, attempts = t.attempts + 1, updated_at = ${now}
        FROM (SELECT org_id, id FROM scheduled_tasks
               WHERE status = 'pending' AND due_at <= ${now} AND ${filter}
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
       SET lease_owner = ${owner}, lease_until = ${leaseUntil}, attempts = attempts + 1, updated_at = ${now}
     WHERE rowid IN (SELECT rowid FROM scheduled_tasks
                      WHERE status = 'pending' AND due_at <= ${now} AND ${filter}
                        AND (lease_until IS NULL OR lease_until < ${now})
                      ORDER BY due_at
                      LIMIT ${limit})
    RETURNING *`.execute(store.db);
  return result.rows;
}

/**
 * Step 1 of a claim (and a sweeper pass): pending tasks out of attempts whose last lease ended unfinished become
 * `dead`.
 */
export async function buryExhaustedTasks(
  db: Kysely<Database>,
  now: number,
  maxAttempts: number,
): Promise<void> {
  const message = `claimed ${maxAttempts} times without finishing: its worker stopped while holding it each time`;
  await db
    .updateTable('scheduled_tasks')
    .set({
      status: 'dead',
      last_error: sql<string>`CASE WHEN last_error IS NULL THEN CAST(${message} AS text)
        ELSE CAST(${message} AS text) || ' (earlier error: ' || last_error || ')' END`,
      lease_owner: null,
      lease_until: null,
      updated_at: now,
    })
    .where('status', '=', sql.lit('pending'))
    // `attempts > 0` literally, so the planner can use the small `scheduled_tasks_retry` partial index.
    .where(sql<boolean>`attempts > 0`)
    .where('attempts', '>=', maxAttempts)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
    .execute();
}

/**
 * Marks tasks done. `countAttempt`: they were claimed inside this transaction (no lease written), so the
 * attempt is counted here, in the same write.
 */
export async function markTasksDone(
  db: Kysely<Database>,
  tasks: TaskRow[],
  now: number,
  countAttempt = false,
): Promise<void> {
  for (const [org, ids] of byOrg(
    tasks,
    (t) => t.org_id,
    (t) => t.id,
  )) {
    for (const part of chunks(ids, 2000)) {
      if (!isPostgres(db)) {
        // SQLite: OR FAIL, so the statement keeps no statement journal (see multi-row.ts); the caller's
        // transaction ends on an error all the same.
        await sql`UPDATE OR FAIL scheduled_tasks
                     SET status = 'done', ${countAttempt ? sql`attempts = attempts + 1, ` : sql``}lease_owner = NULL,
                         lease_until = NULL, updated_at = ${now}
                   WHERE org_id = ${org} AND id IN (${sql.join(part)})`.execute(db);
        continue;
      }
      await db
        .updateTable('scheduled_tasks')
        .set((eb) => ({
          status: 'done',
          ...(countAttempt ? { attempts: eb(eb.ref('attempts'), '+', 1) } : {}),
          lease_owner: null,
          lease_until: null,
          updated_at: now,
        }))
        .where('org_id', '=', org)
        .where(idIn(db, 'id', part))
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
        // Held, not tried: the claim's attempt is given back.
        .set((eb) => ({
          lease_owner: PAUSED_LEASE,
          lease_until: PAUSED_UNTIL,
          attempts: sql<number>`CASE WHEN ${eb.ref('attempts')} > 0 THEN ${eb.ref('attempts')} - 1 ELSE 0 END`,
          updated_at: now,
        }))
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
    .where('status', '=', sql.lit('pending'))
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
    .where('status', '=', sql.lit('pending'))
    .where('lease_owner', '=', PAUSED_LEASE)
    .execute();
}

/** A failed attempt (already counted at claim): back off, or give up (`dead`) after `maxAttempts`. */
export async function markTaskFailed(
  db: Kysely<Database>,
  task: TaskRow,
  error: string,
  now: number,
  maxAttempts: number,
): Promise<void> {
  const attempts = task.attempts;
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

/**
 * A leased task whose try the database ended (see `isEndedByDatabase`): not its doing, so the claim's attempt is
 * given back and it is due again at `dueAt`. Only while it is still this lease's and pending.
 */
export async function releaseTask(
  db: Kysely<Database>,
  task: TaskRow,
  error: string,
  now: number,
  dueAt: number,
): Promise<void> {
  await db
    .updateTable('scheduled_tasks')
    .set({
      attempts: Math.max(0, task.attempts - 1),
      last_error: error.slice(0, 2000),
      due_at: dueAt,
      lease_owner: null,
      lease_until: null,
      updated_at: now,
    })
    .where('org_id', '=', task.org_id)
    .where('id', '=', task.id)
    .where('status', '=', sql.lit('pending'))
    .where('lease_owner', '=', task.lease_owner ?? '')
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
    .where('status', '=', sql.lit('pending'))
    .where('lease_owner', 'is not', null)
    .where('lease_owner', '!=', PAUSED_LEASE);
  tasks = owner ? tasks.where('lease_owner', '=', owner) : tasks.where('lease_until', '<', now);
  const released = await tasks.executeTakeFirst();
  return { tasks: Number(released.numUpdatedRows), messages: 0 };
}

/** The sweeper counts at most this many overdue tasks (a backlog is reported as "at least"). */
export const OVERDUE_COUNT_CAP = 10_000;

/**
 * Counts for the sweeper's report, each read from a partial index (leased, pending-due, dead) instead of a pass
 * over every pending task; the overdue count stops at `OVERDUE_COUNT_CAP`.
 */
export async function stuckWork(
  db: Kysely<Database>,
  now: number,
  overdueMs: number,
): Promise<{ expiredLeases: number; overdue: number; dead: number }> {
  const expired = await db
    .selectFrom('scheduled_tasks')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', sql.lit('pending'))
    .where('lease_owner', 'is not', null)
    .where('lease_until', '<', now)
    .where('lease_owner', '!=', PAUSED_LEASE)
    .executeTakeFirst();
  const overdue = await db
    .selectFrom((eb) =>
      eb
        .selectFrom('scheduled_tasks')
        .select('id')
        .where('status', '=', sql.lit('pending'))
        .where('due_at', '<', now - overdueMs)
        .where((w) => w.or([w('lease_owner', 'is', null), w('lease_owner', '!=', PAUSED_LEASE)]))
        .limit(OVERDUE_COUNT_CAP)
        .as('o'),
    )
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  const dead = await db
    .selectFrom('scheduled_tasks')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', sql.lit('dead'))
    .executeTakeFirst();
  return {
    expiredLeases: Number(expired?.n ?? 0),
    overdue: Number(overdue?.n ?? 0),
    dead: Number(dead?.n ?? 0),
  };
}
