import { type Kysely, sql } from 'kysely';
import type { Store } from '../../db.ts';
import { newId } from '../../ids.ts';
import type { Database } from '../../schema.ts';
import type { TaskRow } from './tasks.ts';

/**
 * Claiming inside the batch transaction (migration 0025). A worker selects fresh due tasks in the transaction that
 * applies them (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so concurrent workers never take the same row) and marks
 * them done in the same commit: no lease is written per task. A crash rolls the whole batch back, so its tasks
 * are due again at once. What must survive the crash is the attempt, so that a task that kills its worker ends
 * `dead` after 5 tries instead of forever: before applying, the worker commits ONE `engine_claims` row per batch
 * listing its tasks (a journal), and deletes it inside the batch transaction. A journal row that is still there
 * and not held by a live transaction belongs to a batch that never committed; folding it counts one attempt on
 * each of its tasks still pending, which makes them suspects, claimed alone on the leased path.
 */

export interface Claim {
  id: string;
  owner: string;
}

/** Fresh due tasks (never claimed, no lease), oldest due first, locked until the transaction ends (PostgreSQL). */
export async function selectFreshTasks(
  trx: Kysely<Database>,
  dialect: Store['dialect'],
  now: number,
  limit: number,
): Promise<TaskRow[]> {
  const lock = dialect === 'postgres' ? sql`FOR UPDATE SKIP LOCKED` : sql``;
  const result = await sql<TaskRow>`
    SELECT * FROM scheduled_tasks
     WHERE status = 'pending' AND due_at <= ${now} AND attempts = 0
       AND (lease_until IS NULL OR lease_until < ${now})
     ORDER BY due_at
     LIMIT ${limit}
     ${lock}`.execute(trx);
  return result.rows;
}

/** An id for a batch journal, known before it is recorded (`guardClaim` locks it first). */
export const newClaimId = (now: number): string => newId(now);

/** Commits the journal of a batch about to be applied (on its own connection, outside the batch transaction). */
export async function recordClaim(
  db: Kysely<Database>,
  owner: string,
  tasks: TaskRow[],
  now: number,
  id: string = newClaimId(now),
): Promise<Claim> {
  await db
    .insertInto('engine_claims')
    .values({
      id,
      owner,
      task_keys: JSON.stringify(tasks.map((t) => [t.org_id, t.id])),
      created_at: now,
      folded_at: null,
    })
    .execute();
  return { id, owner };
}

/**
 * PostgreSQL advisory lock space of batch journals; the second key is `hashtext(journal id)`. (Mail claims use
 * the one-key form, `src/store/mail/claim-messages.ts`, which lives in a separate key space.)
 */
const JOURNAL_LOCK_SPACE = 1_398_210_561;

/**
 * PostgreSQL, inside the batch transaction and BEFORE the journal is recorded: an advisory lock on the journal's
 * id, held until the transaction ends however it ends (commit, rollback, or the worker's connection dropping). A
 * fold in any process skips journals whose lock it cannot take, so a journal is never folded while its batch
 * lives, not even in the moment between the journal's commit and `holdClaim` (without the lock, another worker's
 * fold took about one journal in eight there with three workers, and the batch had to record a new one). Two ids
 * with the same hash only make a fold skip a dead journal until the live one's batch ends.
 */
export async function guardClaim(trx: Kysely<Database>, id: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(${sql.lit(JOURNAL_LOCK_SPACE)}, hashtext(${id}))`.execute(trx);
}

/**
 * Inside the batch transaction: deletes the batch's journal (it disappears with the commit) and, on PostgreSQL,
 * holds its row lock. False if it was already folded (the batch must then be abandoned: its attempt is counted).
 */
export async function holdClaim(trx: Kysely<Database>, claim: Claim): Promise<boolean> {
  const result = await trx
    .deleteFrom('engine_claims')
    .where('id', '=', claim.id)
    .where('folded_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

/**
 * Counts one attempt on every still-pending task of each batch journal that no live transaction holds (its
 * batch failed or its worker died), and marks those journals folded. `only` folds just that one (a batch that
 * failed in this process). PostgreSQL: a journal whose `guardClaim` lock is held belongs to a live batch and is
 * skipped before its row is locked, so the batch's `holdClaim` never waits for a fold. SQLite: one engine loop in
 * one process, so no fold runs while one of its batches is between recording and holding its journal.
 * Returns how many journals were folded. Tasks locked by another live batch are left alone: that batch is trying
 * them again, with its own journal.
 */
export async function foldClaims(store: Store, now: number, only?: string): Promise<number> {
  const run = async (trx: Kysely<Database>) => {
    let journals = trx
      .selectFrom('engine_claims')
      .select(['id', 'task_keys'])
      .where('folded_at', 'is', null)
      .orderBy('created_at')
      .limit(50);
    if (only) journals = journals.where('id', '=', only);
    const rows = await (store.dialect === 'postgres'
      ? journals
          .where(sql<boolean>`pg_try_advisory_xact_lock(${sql.lit(JOURNAL_LOCK_SPACE)}, hashtext(id))`)
          .forUpdate()
          .skipLocked()
      : journals
    ).execute();
    if (rows.length === 0) return 0;
    const orgs: string[] = [];
    const ids: string[] = [];
    for (const row of rows) {
      for (const [org, id] of JSON.parse(row.task_keys) as [string, string][]) {
        orgs.push(org);
        ids.push(id);
      }
    }
    for (let i = 0; i < ids.length; i += 1000) {
      await countAttempt(trx, store.dialect, orgs.slice(i, i + 1000), ids.slice(i, i + 1000), now);
    }
    await trx
      .updateTable('engine_claims')
      .set({ folded_at: now })
      .where(
        'id',
        'in',
        rows.map((r) => r.id),
      )
      .execute();
    return rows.length;
  };
  if (store.dialect === 'postgres') return store.db.transaction().execute(run);
  return run(store.db);
}

/**
 * A batch the database ended (an administrator's `pg_terminate_backend`, a restart; see `isEndedByDatabase`): not
 * its tasks' doing, so its journal is closed without counting an attempt (deleted, as a commit deletes it). If a
 * fold (of any process) already counted it, the attempt is given back to its tasks still pending. Locks the
 * journal first, so a fold either finished before (and is undone) or skips it.
 */
export async function releaseClaim(store: Store, claimId: string, now: number): Promise<void> {
  const run = async (trx: Kysely<Database>) => {
    const journal = trx
      .selectFrom('engine_claims')
      .select(['task_keys', 'folded_at'])
      .where('id', '=', claimId);
    const row = await (store.dialect === 'postgres' ? journal.forUpdate() : journal).executeTakeFirst();
    if (!row) return;
    if (row.folded_at !== null) {
      const keys = JSON.parse(row.task_keys) as [string, string][];
      for (let i = 0; i < keys.length; i += 1000) {
        const part = keys.slice(i, i + 1000);
        const orgs = part.map(([org]) => org);
        const ids = part.map(([, id]) => id);
        await countAttempt(trx, store.dialect, orgs, ids, now, -1);
      }
    }
    await trx.deleteFrom('engine_claims').where('id', '=', claimId).execute();
  };
  if (store.dialect === 'postgres') return store.db.transaction().execute(run);
  return run(store.db);
}

/** Adds `delta` (1: a batch that never committed; -1: given back) to the attempts of the listed pending tasks. */
async function countAttempt(
  trx: Kysely<Database>,
  dialect: Store['dialect'],
  orgs: string[],
  ids: string[],
  now: number,
  delta: 1 | -1 = 1,
): Promise<void> {
  const tried = delta === 1 ? sql`` : sql`AND attempts > 0`;
  if (dialect === 'postgres') {
    await sql`
      UPDATE scheduled_tasks AS t SET attempts = t.attempts + ${sql.lit(delta)}, updated_at = ${now}
        FROM (SELECT s.org_id, s.id FROM scheduled_tasks s
                JOIN unnest(${orgs}::text[], ${ids}::text[]) AS k(org_id, id) ON s.org_id = k.org_id AND s.id = k.id
               WHERE s.status = 'pending' ${tried}
               FOR UPDATE OF s SKIP LOCKED) AS mine
       WHERE t.org_id = mine.org_id AND t.id = mine.id`.execute(trx);
    return;
  }
  const pairs = sql.join(ids.map((id, i) => sql`(${orgs[i]}, ${id})`));
  await sql`
    UPDATE scheduled_tasks SET attempts = attempts + ${sql.lit(delta)}, updated_at = ${now}
     WHERE status = 'pending' ${tried} AND (org_id, id) IN (VALUES ${pairs})`.execute(trx);
}

/** Deletes journals folded more than `keepMs` ago (the sweeper). */
export async function pruneFoldedClaims(db: Kysely<Database>, before: number): Promise<void> {
  await db.deleteFrom('engine_claims').where('folded_at', '<', before).execute();
}

/** Batches claimed and not yet committed or folded (tests and the crash suite look at what a worker holds). */
export async function openClaims(db: Kysely<Database>): Promise<Claim[]> {
  return db.selectFrom('engine_claims').select(['id', 'owner']).where('folded_at', 'is', null).execute();
}

/** Of these journals, the pending tasks they list (a committed batch has deleted its journal). */
export async function pendingTasksOfClaims(db: Kysely<Database>, claimIds: string[]): Promise<number> {
  if (claimIds.length === 0) return 0;
  const rows = await db.selectFrom('engine_claims').select('task_keys').where('id', 'in', claimIds).execute();
  const keys = rows.flatMap((r) => JSON.parse(r.task_keys) as [string, string][]);
  let pending = 0;
  for (let i = 0; i < keys.length; i += 500) {
    const part = keys.slice(i, i + 500);
    const row = await db
      .selectFrom('scheduled_tasks')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', 'pending')
      .where((eb) => eb.or(part.map(([org, id]) => eb.and([eb('org_id', '=', org), eb('id', '=', id)]))))
      .executeTakeFirstOrThrow();
    pending += Number(row.n);
  }
  return pending;
}

/**
 * SQLite: the claimed tasks as they are now, inside the batch transaction (selected before it, because the
 * journal must commit first on the one connection): still pending, never claimed, not held.
 */
export async function refreshFreshTasks(
  trx: Kysely<Database>,
  tasks: TaskRow[],
  now: number,
): Promise<TaskRow[]> {
  if (tasks.length === 0) return [];
  const pairs = sql.join(tasks.map((t) => sql`(${t.org_id}, ${t.id})`));
  const result = await sql<TaskRow>`
    SELECT * FROM scheduled_tasks
     WHERE (org_id, id) IN (VALUES ${pairs})
       AND status = 'pending' AND attempts = 0 AND (lease_until IS NULL OR lease_until < ${now})
     ORDER BY due_at`.execute(trx);
  return result.rows;
}

/**
 * SQLite: what this connection can tell about writes so far: `data_version` moves when another connection (any
 * process) commits, `total_changes()` counts the rows this connection changed.
 */
export interface SqliteWriteMark {
  version: number;
  changes: number;
}

export async function sqliteWriteMark(db: Kysely<Database>): Promise<SqliteWriteMark> {
  const result = await sql<SqliteWriteMark>`
    SELECT (SELECT data_version FROM pragma_data_version) AS version, total_changes() AS changes`.execute(db);
  const row = result.rows[0];
  if (!row) throw new Error('no data_version');
  return row;
}

/**
 * SQLite, inside the batch transaction: the claimed tasks as they are now. Selected before the transaction (the
 * journal must commit first on the one connection), with `mark` taken before that select. When no other
 * connection has committed since and this connection wrote nothing but the journal's one row, nothing can have
 * changed them, so they are used as read; otherwise they are read again (`refreshFreshTasks`).
 */
export async function freshTasksSince(
  trx: Kysely<Database>,
  mark: SqliteWriteMark,
  tasks: TaskRow[],
  now: number,
): Promise<TaskRow[]> {
  const current = await sqliteWriteMark(trx);
  if (current.version === mark.version && current.changes === mark.changes + 1) return tasks;
  return refreshFreshTasks(trx, tasks, now);
}
