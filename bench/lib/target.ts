import { mkdirSync, rmSync } from 'node:fs';
import { type DialectName, openStore, type Store } from '../../src/store/db.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import type { PostgresServer } from './env.ts';

export interface Target {
  dialect: DialectName;
  store: Store;
  url: string;
}

let counter = 0;

/** A fresh, migrated database for one scenario: a file under /tmp for SQLite, a new database for PostgreSQL. */
export async function freshTarget(
  dialect: DialectName,
  postgres: PostgresServer | null,
  name: string,
): Promise<Target> {
  counter++;
  let url: string;
  if (dialect === 'postgres') {
    if (!postgres) throw new Error('PostgreSQL server not started');
    url = await postgres.createDatabase(`bench_${name.replaceAll(/\W/g, '_')}_${counter}`);
  } else {
    const dir = '/tmp/stepwise-bench';
    mkdirSync(dir, { recursive: true });
    const file = `${dir}/${name.replaceAll(/\W/g, '_')}-${process.pid}-${counter}.db`;
    for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
    url = `sqlite:${file}`;
  }
  const store = openStore(url, { poolSize: 20 });
  await migrateToLatest(store.db);
  return { dialect, store, url };
}
