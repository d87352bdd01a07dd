import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Shipped migration: never edit it; add a new file instead.

/**
 * PostgreSQL fill factors of `records` 50 (was 60) and `connections` 40 (was 50), issue 17, measured with
 * pg_stat_user_tables on scenario 2 (20,000 connections). 0030 left 29 % of the engine's record updates and 14 %
 * of its connection updates without room for a HOT update: a batch updates, in one transaction, whole pages of
 * rows written together, so no old version can be pruned before the commit and each page needs room for a new
 * version of every row it holds (a record's grows when an update-field step adds a custom field; a connection's
 * state grows with every node it enters). Each of those updates entered all six records indexes or all four
 * connections indexes. With these factors every one of them was HOT (WAL records per 20,000 connections
 * 0.993 M -> 0.939 M). The price is room: pages written from now on keep half (records) and 60 % (connections)
 * free for the next versions.
 * A database with data in it is not rewritten: the factor applies to pages written from now on, and a row that
 * moves on its next (non-HOT) update lands in such a page. Only storage parameters change: runs with work in
 * flight.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`ALTER TABLE records SET (fillfactor = 50)`.execute(db);
    await sql`ALTER TABLE connections SET (fillfactor = 40)`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`ALTER TABLE records SET (fillfactor = 60)`.execute(db);
    await sql`ALTER TABLE connections SET (fillfactor = 50)`.execute(db);
  }
}
