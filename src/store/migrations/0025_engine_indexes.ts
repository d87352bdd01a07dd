import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Shipped migration: never edit it; add a new file instead.

/**
 * Engine throughput (issue 17).
 * - `engine_claims`: one journal row per batch a worker claims inside its batch transaction (see
 *   src/store/repos/engine/claims.ts); the batch deletes it on commit, so a row left behind is a batch that never
 *   committed, and its tasks' attempt is counted from it.
 * - `scheduled_tasks`: the due index holds pending tasks only (done tasks pile up forever and were half of it);
 *   retried tasks (attempts > 0, claimed alone) and leased tasks get small partial indexes of their own, so the
 *   claim and the sweeper read a few index entries instead of counting every pending task; dead tasks likewise.
 * - `step_instances`: the work-list index holds open (`due`) steps only; the four-column full index it replaces
 *   was rewritten on every status change of every step.
 * - PostgreSQL fill factors leave room in each page for the row's next version, so updates of the hot tables can
 *   stay HOT (no index writes when no indexed column changes).
 * Runs on a database with work in flight: it only adds and drops indexes and adds a table.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable('engine_claims')
    .addColumn('id', 'text', (c) => c.notNull().primaryKey())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('task_keys', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('folded_at', 'bigint')
    .execute();
  await sql`CREATE INDEX engine_claims_open ON engine_claims (created_at) WHERE folded_at IS NULL`.execute(
    db,
  );
  await db.schema.createIndex('engine_claims_folded').on('engine_claims').column('folded_at').execute();

  await sql`CREATE INDEX scheduled_tasks_pending_due ON scheduled_tasks (due_at) WHERE status = 'pending'`.execute(
    db,
  );
  await sql`CREATE INDEX scheduled_tasks_retry ON scheduled_tasks (due_at)
    WHERE status = 'pending' AND attempts > 0`.execute(db);
  await sql`CREATE INDEX scheduled_tasks_leased ON scheduled_tasks (lease_until)
    WHERE status = 'pending' AND lease_owner IS NOT NULL`.execute(db);
  await sql`CREATE INDEX scheduled_tasks_dead ON scheduled_tasks (org_id, updated_at) WHERE status = 'dead'`.execute(
    db,
  );
  await db.schema.dropIndex('scheduled_tasks_due').execute();

  await sql`CREATE INDEX step_instances_open ON step_instances (org_id, owner_id, due_at)
    WHERE status = 'due'`.execute(db);
  await db.schema.dropIndex('step_instances_worklist').execute();

  if (postgres) {
    await sql`ALTER TABLE scheduled_tasks SET (fillfactor = 70)`.execute(db);
    await sql`ALTER TABLE connections SET (fillfactor = 80)`.execute(db);
    await sql`ALTER TABLE step_instances SET (fillfactor = 80)`.execute(db);
    await sql`ANALYZE scheduled_tasks`.execute(db);
    await sql`ANALYZE step_instances`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  if (postgres) {
    await sql`ALTER TABLE scheduled_tasks RESET (fillfactor)`.execute(db);
    await sql`ALTER TABLE connections RESET (fillfactor)`.execute(db);
    await sql`ALTER TABLE step_instances RESET (fillfactor)`.execute(db);
  }
  await db.schema
    .createIndex('step_instances_worklist')
    .on('step_instances')
    .columns(['org_id', 'owner_id', 'status', 'due_at'])
    .execute();
  await db.schema.dropIndex('step_instances_open').execute();
  await db.schema
    .createIndex('scheduled_tasks_due')
    .on('scheduled_tasks')
    .columns(['status', 'due_at'])
    .execute();
  for (const name of [
    'scheduled_tasks_pending_due',
    'scheduled_tasks_retry',
    'scheduled_tasks_leased',
    'scheduled_tasks_dead',
  ])
    await db.schema.dropIndex(name).execute();
  await db.schema.dropTable('engine_claims').execute();
}
