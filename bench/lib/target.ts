import { mkdirSync, rmSync } from 'node:fs';
import { type DialectName, openStore, type Store } from '../../src/store/db.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import type { PostgresServer } from './env.ts';

export interface Target {
  dialect: DialectName;
  store: Store;
  url: string;
  /** PostgreSQL: the database's name (to clone or drop it). */
  database?: string;
  /** PostgreSQL: the server (its CPU time is measured beside the workers'). */
  postgres?: PostgresServer;
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
  let database: string | undefined;
  if (dialect === 'postgres') {
    if (!postgres) throw new Error('PostgreSQL server not started');
    database = `bench_${name.replaceAll(/\W/g, '_')}_${counter}`;
    url = await postgres.createDatabase(database);
  } else {
    const dir = '/tmp/stepwise-bench';
    mkdirSync(dir, { recursive: true });
    const file = `${dir}/${name.replaceAll(/\W/g, '_')}-${process.pid}-${counter}.db`;
    for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
    url = `sqlite:${file}`;
  }
  const store = openStore(url, { poolSize: 20 });
  await migrateToLatest(store.db);
  return { dialect, store, url, database, ...(postgres ? { postgres } : {}) };
}

/**
 * A PostgreSQL database copied from a prepared one (its store must be closed): several scenarios start from the
 * same rows without building them again.
 */
export async function cloneTarget(postgres: PostgresServer, template: string, name: string): Promise<Target> {
  counter++;
  const database = `bench_${name.replaceAll(/\W/g, '_')}_${counter}`;
  const url = await postgres.cloneDatabase(template, database);
  return { dialect: 'postgres', store: openStore(url, { poolSize: 20 }), url, database, postgres };
}
