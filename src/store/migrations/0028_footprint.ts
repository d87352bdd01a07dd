import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Shipped migration: never edit it; add a new file instead.

/**
 * Footprint and bulk connect (issue 17).
 * - `records`: the open-records index gets `id` as its last column. A bulk connect pages through the open records
 *   of a type in id order (`… AND id > $cursor ORDER BY id LIMIT n`); with `(org_id, type, status)` alone the
 *   planner read every remaining open record and sorted them for each chunk (quadratic in the job's size). The
 *   new index is a superset of the one it replaces, so every other reader keeps its plan.
 * - `step_instances`: Insights' seller counts read all of an owner's steps (every status). The `(org_id, owner_id)`
 *   prefix went away with `step_instances_worklist` in 0025; a narrow index without `status` gives it back and
 *   does not stop status updates from staying HOT.
 * Runs on a database with data in it: it only adds and drops indexes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('records_type_scan')
    .on('records')
    .columns(['org_id', 'type', 'status', 'id'])
    .execute();
  await db.schema.dropIndex('records_type').execute();
  await db.schema
    .createIndex('step_instances_owner')
    .on('step_instances')
    .columns(['org_id', 'owner_id'])
    .execute();
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`ANALYZE records`.execute(db);
    await sql`ANALYZE step_instances`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('step_instances_owner').execute();
  await db.schema.createIndex('records_type').on('records').columns(['org_id', 'type', 'status']).execute();
  await db.schema.dropIndex('records_type_scan').execute();
}
