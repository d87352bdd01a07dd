import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { type DialectName, openStore, type Store } from '../../src/store/db.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';

export const dialects: DialectName[] = ['sqlite', 'postgres'];

/** A fresh PostgreSQL database inside the test server; returns its URL. */
export async function createPostgresDatabase(): Promise<string> {
  const serverUrl = inject('postgresUrl');
  const name = `t_${randomUUID().replaceAll('-', '').slice(0, 20)}`;
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A fresh, migrated store of the given dialect. SQLite uses a temp file so other processes can open it. */
export async function freshStore(dialect: DialectName, options: { file?: boolean } = {}): Promise<Store> {
  const url =
    dialect === 'postgres'
      ? await createPostgresDatabase()
      : options.file
        ? `sqlite:/tmp/stepwise-test-${randomUUID()}.db`
        : 'sqlite::memory:';
  const store = openStore(url);
  await migrateToLatest(store.db);
  return store;
}
