import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Shipped migration: never edit it; add a new file instead.

/**
 * Fewer index entries per engine transition (issue 17), measured with pg_stat_statements on scenario 2.
 * - PostgreSQL fill factors of `records` (60) and `connections` (50). The engine rewrites a connection's row on
 *   every transition and a record's row on every update-field step; neither update changes an indexed column, so
 *   both could be HOT (one heap write, no index entry). They were not, for lack of room in the page: a batch
 *   updates whole pages of rows that were inserted together (a bulk connect), in one transaction, so the old
 *   versions cannot be pruned before the commit, and the new versions need room in the same page. `records` had
 *   no fill factor: 12 % of the engine's record updates were HOT, each of the others entered all six records
 *   indexes. `connections` had 80: 34 % HOT, the rest entered four indexes. With these factors, 71 % of the
 *   record updates and 86 % of the connection updates of scenario 2 (20,000 connections) stay HOT. The price is
 *   room: pages written from now on keep 40 % / 50 % free for the next versions.
 *   A database with data in it is not rewritten: the factor applies to pages written from now on, and a row that
 *   moves on its next (non-HOT) update lands in such a page, so later updates of it stay HOT.
 * - `step_instances (org_id, record_id)` holds open steps only (`upcoming`, `due`, `waiting`): its one reader asks
 *   whether a user holds an open step of a record. Of the four step rows a connection writes in the email flow
 *   (the finished wait, the sent email, the field update, the next wait), three are not open and no longer enter
 *   it. The literal status list is the reader's, so SQLite can use the partial index too.
 * - `outbound_messages (org_id, sent_at)` holds sent messages only (`sent_at IS NOT NULL`): every reader asks
 *   for `sent_at >= since` (send limits, insights, inbound matching), which both databases know implies the
 *   predicate. An email queued by the engine no longer enters it until it is sent.
 * Runs on a database with work in flight: it only sets storage parameters and adds and drops indexes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX step_instances_record_open ON step_instances (org_id, record_id)
    WHERE status IN ('upcoming', 'due', 'waiting')`.execute(db);
  await db.schema.dropIndex('step_instances_record').execute();
  await sql`CREATE INDEX outbound_messages_sent ON outbound_messages (org_id, sent_at)
    WHERE sent_at IS NOT NULL`.execute(db);
  await db.schema.dropIndex('outbound_messages_org_sent').execute();
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`ALTER TABLE records SET (fillfactor = 60)`.execute(db);
    await sql`ALTER TABLE connections SET (fillfactor = 50)`.execute(db);
    await sql`ANALYZE step_instances`.execute(db);
    await sql`ANALYZE outbound_messages`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`ALTER TABLE records RESET (fillfactor)`.execute(db);
    await sql`ALTER TABLE connections SET (fillfactor = 80)`.execute(db);
  }
  await db.schema
    .createIndex('outbound_messages_org_sent')
    .on('outbound_messages')
    .columns(['org_id', 'sent_at'])
    .execute();
  await db.schema.dropIndex('outbound_messages_sent').execute();
  await db.schema
    .createIndex('step_instances_record')
    .on('step_instances')
    .columns(['org_id', 'record_id'])
    .execute();
  await db.schema.dropIndex('step_instances_record_open').execute();
}
