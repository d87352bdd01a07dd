import { type Kysely, sql } from 'kysely';
import type { Database } from '../schema.ts';

/** Row counts for checks and reports (the benchmark, the demo seed): no business rule here. */

export async function countRows(
  db: Kysely<Database>,
  table: keyof Database,
  orgId?: string,
): Promise<number> {
  const loose = db as unknown as Kysely<Record<string, { org_id: string }>>;
  const row = await loose
    .selectFrom(table)
    .select((eb) => eb.fn.countAll().as('n'))
    .$if(orgId !== undefined, (q) => q.where('org_id', '=', orgId!))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Whether any pending task is due by `dueBy`: one index entry, not a count. The benchmark polls this every 20 ms
 * while workers drain a backlog; a count there read every remaining due task on each poll (at 50,000 connections
 * about half of the server's time in the run), so the observer itself grew with the backlog.
 */
export async function anyPendingDue(db: Kysely<Database>, dueBy: number): Promise<boolean> {
  const row = await db
    .selectFrom('scheduled_tasks')
    // `id` is not in the index: a plain index scan, which marks the entries of finished tasks dead as it passes
    // them (an index-only scan does not), so later polls and the workers' claims skip them.
    .select('id')
    .where('status', '=', sql.lit('pending'))
    .where('due_at', '<=', dueBy)
    // Ordered, so the planner walks the pending-due index from its start instead of a sequential scan that
    // would pass every finished task first (with statistics, "all pending tasks are due" makes a scan look cheap).
    .orderBy('due_at')
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** Pending scheduled tasks due by `dueBy`. */
export async function countPendingDue(db: Kysely<Database>, dueBy: number): Promise<number> {
  const row = await db
    .selectFrom('scheduled_tasks')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('status', '=', 'pending')
    .where('due_at', '<=', dueBy)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Records whose custom fields' JSON contains `text`. */
export async function countRecordsWithCustomText(db: Kysely<Database>, text: string): Promise<number> {
  const row = await db
    .selectFrom('records')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('custom_json', 'like', `%${text}%`)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Outbound messages not sent, counted by status and hold reason. */
export async function unsentMessageCounts(db: Kysely<Database>) {
  const rows = await db
    .selectFrom('outbound_messages')
    .select(['status', 'hold_reason', (eb) => eb.fn.countAll().as('n')])
    .where('status', '!=', 'sent')
    .groupBy(['status', 'hold_reason'])
    .execute();
  return rows.map((row) => ({ status: row.status, holdReason: row.hold_reason, count: Number(row.n) }));
}

/** Refreshes PostgreSQL's planner statistics after a bulk load (nothing to do on SQLite). */
export async function analyze(db: Kysely<Database>, dialect: 'sqlite' | 'postgres'): Promise<void> {
  if (dialect === 'postgres') await sql`ANALYZE`.execute(db);
}
