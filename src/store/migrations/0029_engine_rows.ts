import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Shipped migration: never edit it; add a new file instead.

/**
 * Fewer index entries per engine transition (issue 17). Two full indexes held every row although their only
 * readers ask for one status:
 * - `step_instances (status, due_at)` (0026) is read by the overdue check for open steps (`status = 'due'`)
 *   only; it held every completed, waiting and canceled step, so each step row the engine wrote (four per
 *   connection in the email flow, three of them not due) added an entry. It becomes `(due_at) WHERE status = 'due'`.
 * - `scheduled_tasks (org_id, connection_id, status)` (0001) is read for a connection's pending tasks only
 *   (pause, resume, ending connections); every done mark (a non-HOT update: `status` is indexed) added a second
 *   entry for the finished task. It becomes `(org_id, connection_id) WHERE status = 'pending'`.
 * Runs on a database with work in flight: it only adds and drops indexes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX step_instances_due_open ON step_instances (due_at) WHERE status = 'due'`.execute(db);
  await db.schema.dropIndex('step_instances_due').execute();
  await sql`CREATE INDEX scheduled_tasks_pending_connection ON scheduled_tasks (org_id, connection_id)
    WHERE status = 'pending'`.execute(db);
  await db.schema.dropIndex('scheduled_tasks_connection').execute();
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`ANALYZE step_instances`.execute(db);
    await sql`ANALYZE scheduled_tasks`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('scheduled_tasks_connection')
    .on('scheduled_tasks')
    .columns(['org_id', 'connection_id', 'status'])
    .execute();
  await db.schema.dropIndex('scheduled_tasks_pending_connection').execute();
  await db.schema
    .createIndex('step_instances_due')
    .on('step_instances')
    .columns(['status', 'due_at'])
    .execute();
  await db.schema.dropIndex('step_instances_due_open').execute();
}
