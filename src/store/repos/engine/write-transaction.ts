import { type Kysely, sql, type Transaction } from 'kysely';
import type { Store } from '../../db.ts';
import type { Database } from '../../schema.ts';

/**
 * A read-then-write transaction. SQLite: `BEGIN IMMEDIATE` takes the write lock up front, so a second process
 * (API beside worker) waits on busy_timeout instead of failing on a stale snapshot. PostgreSQL: a normal
 * transaction; rows are serialised with `SELECT … FOR UPDATE` (see `lockConnections`).
 */
export async function writeTransaction<T>(
  store: Store,
  work: (trx: Kysely<Database>) => Promise<T>,
): Promise<T> {
  if (store.dialect === 'postgres')
    return store.db.transaction().execute((trx: Transaction<Database>) => work(trx));
  return store.db.connection().execute(async (conn) => {
    await sql`BEGIN IMMEDIATE`.execute(conn);
    try {
      const result = await work(conn);
      await sql`COMMIT`.execute(conn);
      return result;
    } catch (error) {
      await sql`ROLLBACK`.execute(conn).catch(() => undefined);
      throw error;
    }
  });
}
