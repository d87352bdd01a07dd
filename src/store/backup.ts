import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';

export interface BackupResult {
  file: string;
  pages: number;
  /** SQLite's `integrity_check` of the copy: "ok" when sound. */
  integrity: string;
}

/**
 * Copies a SQLite database with SQLite's online backup API: consistent while other processes keep writing (unlike
 * copying the file), then checks the copy's integrity. PostgreSQL is backed up with `pg_dump` instead.
 */
export async function backupSqlite(url: string, target: string): Promise<BackupResult> {
  if (!url.startsWith('sqlite:') || url === 'sqlite::memory:') {
    throw new Error('A SQLite copy is made of a SQLite database; for PostgreSQL write an archive');
  }
  const file = resolve(target);
  if (existsSync(file)) throw new Error(`${file} exists; choose a new file name`);
  const source = new SQLite(resolve(url.slice('sqlite:'.length)), { fileMustExist: true });
  try {
    source.pragma('busy_timeout = 5000');
    const { totalPages } = await source.backup(file);
    const copy = new SQLite(file, { readonly: true });
    try {
      const integrity = String(copy.pragma('integrity_check', { simple: true }));
      return { file, pages: totalPages, integrity };
    } finally {
      copy.close();
    }
  } finally {
    source.close();
  }
}

/** What a file given to `stepwise restore` is, by its first bytes. */
export function backupKind(file: string): 'sqlite' | 'archive' {
  const head = Buffer.alloc(16);
  const fd = openSync(resolve(file), 'r');
  try {
    readSync(fd, head, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  if (head.subarray(0, 15).toString('latin1') === 'SQLite format 3') return 'sqlite';
  if (head[0] === 0x1f && head[1] === 0x8b) return 'archive';
  throw new Error(`${file} is neither a SQLite copy nor a Stepwise archive`);
}

/** Names of the migrations a SQLite copy has applied. */
export function sqliteCopyMigrations(file: string): string[] {
  const copy = new SQLite(resolve(file), { readonly: true, fileMustExist: true });
  try {
    const rows = copy.prepare('select name from kysely_migration order by name').all() as { name: string }[];
    return rows.map((row) => row.name);
  } finally {
    copy.close();
  }
}

/**
 * Restores a SQLite copy made by `backupSqlite` as the database at `url` (a SQLite URL whose file does not exist
 * yet), through the online backup API, and checks the result's integrity. The caller migrates it afterwards.
 */
export async function restoreSqliteCopy(source: string, url: string): Promise<BackupResult> {
  if (!url.startsWith('sqlite:') || url === 'sqlite::memory:') {
    throw new Error('A SQLite copy restores into a SQLite DATABASE_URL; for PostgreSQL restore an archive');
  }
  const target = resolve(url.slice('sqlite:'.length));
  if (existsSync(target) && statSync(target).size > 0) {
    throw new Error(`${target} exists; restore into a new file (stop Stepwise, move the old file away)`);
  }
  mkdirSync(dirname(target), { recursive: true });
  const copy = new SQLite(resolve(source), { readonly: true, fileMustExist: true });
  try {
    const { totalPages } = await copy.backup(target);
    const restored = new SQLite(target);
    try {
      restored.pragma('journal_mode = WAL');
      const integrity = String(restored.pragma('integrity_check', { simple: true }));
      return { file: target, pages: totalPages, integrity };
    } finally {
      restored.close();
    }
  } finally {
    copy.close();
  }
}
