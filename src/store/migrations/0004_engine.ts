import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Shipped migration: never edit it; add a new file instead.

/**
 * Engine wake-up: on PostgreSQL, every statement that inserts `scheduled_tasks` rows notifies the
 * `stepwise_tasks` channel, so idle workers (LISTEN) start at once instead of waiting for their next poll.
 * Statement-level, so a multi-row insert notifies once (and PostgreSQL folds repeats within a transaction).
 * SQLite has no equivalent; its single worker polls with a bounded interval.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`
    CREATE OR REPLACE FUNCTION stepwise_notify_tasks() RETURNS trigger AS $$
    BEGIN
      PERFORM pg_notify('stepwise_tasks', '');
      RETURN NULL;
    END
    $$ LANGUAGE plpgsql`.execute(db);
  await sql`
    CREATE TRIGGER scheduled_tasks_notify AFTER INSERT ON scheduled_tasks
    FOR EACH STATEMENT EXECUTE FUNCTION stepwise_notify_tasks()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`DROP TRIGGER IF EXISTS scheduled_tasks_notify ON scheduled_tasks`.execute(db);
  await sql`DROP FUNCTION IF EXISTS stepwise_notify_tasks()`.execute(db);
}
