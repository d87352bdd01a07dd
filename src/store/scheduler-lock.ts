import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import SQLite from 'better-sqlite3';

/**
 * With SQLite one process owns the scheduler (the engine, email delivery, webhooks, bulk jobs): leases keep
 * several processes correct on PostgreSQL, but on one SQLite file they would only fight over its single write
 * lock. The owner holds an exclusive SQLite lock on a small file beside the database (`<db>.scheduler-lock`) for
 * as long as it runs; the operating system drops the lock when the process ends, however it ends, so a crash
 * never leaves a stale lock behind. A second owner is refused with a message naming the first one.
 *
 * One-off commands (migrate, org/user add, import, connect, seed) do not take this lock: they may run beside
 * `serve`, sharing the database through SQLite's own locking (WAL, busy timeout).
 */
export class SchedulerLockedError extends Error {}

export interface SchedulerLock {
  release(): void;
}

/** The lock file for a database URL, or null when no lock is needed (PostgreSQL, in-memory SQLite). */
export function schedulerLockPath(databaseUrl: string): string | null {
  if (!databaseUrl.startsWith('sqlite:')) return null;
  const path = databaseUrl.slice('sqlite:'.length);
  if (path === ':memory:' || path === '') return null;
  return `${resolve(path)}.scheduler-lock`;
}

export function acquireSchedulerLock(databaseUrl: string): SchedulerLock {
  const path = schedulerLockPath(databaseUrl);
  if (!path) return { release() {} };
  const ownerFile = `${path}.owner`;
  const lock = new SQLite(path, { timeout: 0 });
  try {
    lock.pragma('locking_mode = EXCLUSIVE');
    // The first write takes the exclusive lock; in EXCLUSIVE locking mode it is kept until the connection closes.
    lock.exec('BEGIN EXCLUSIVE; CREATE TABLE IF NOT EXISTS owner (pid INTEGER); COMMIT;');
  } catch (error) {
    lock.close();
    if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error;
    let owner = 'another process';
    try {
      const info = JSON.parse(readFileSync(ownerFile, 'utf8')) as {
        pid?: number;
        host?: string;
        since?: string;
      };
      owner = `process ${info.pid} on ${info.host} (since ${info.since})`;
    } catch {
      // The owner file is informational; the lock is what counts.
    }
    throw new SchedulerLockedError(
      `The scheduler for ${databaseUrl} already runs in ${owner}. With SQLite one process owns the scheduler: ` +
        'stop that process first, or start this one as `stepwise serve --no-worker`. One-off commands ' +
        '(migrate, user add, import, connect …) may run beside it. To run several workers, use PostgreSQL.',
    );
  }
  try {
    writeFileSync(
      ownerFile,
      JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }),
    );
  } catch {
    // Informational only.
  }
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      rmSync(ownerFile, { force: true });
      lock.close();
    },
  };
}
