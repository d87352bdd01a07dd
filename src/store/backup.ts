import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
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
    throw new Error(
      'stepwise backup copies SQLite databases; for PostgreSQL use pg_dump (docs/operations.md)',
    );
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
