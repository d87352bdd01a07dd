import { type ChildProcess, spawn } from 'node:child_process';
import { sql } from 'kysely';
import type { Store } from '../../src/store/db.ts';
import { pause } from './harness.ts';

/**
 * Real `stepwise worker --only engine` processes for the crash tests, started from a built server (`bin`) with
 * three batches in flight and small batches (many claim → commit windows to kill in), and killed with SIGKILL.
 * Each process names its PostgreSQL sessions (`application_name`), so a test can tell when the server has ended
 * the sessions a killed worker left behind (see `backendsGone`).
 */
let started = 0;
const sessionNames = new WeakMap<ChildProcess, string>();

export function startCrashWorker(
  bin: string,
  children: Set<ChildProcess>,
  options: { url: string; workerId: string; fakeNow: number; secretKey: string },
): Promise<ChildProcess> {
  const sessions = `crash-worker-${process.pid}-${++started}`;
  const child = spawn(process.execPath, [bin, 'worker', '--only', 'engine'], {
    env: {
      ...process.env,
      DATABASE_URL: options.url,
      STEPWISE_FAKE_NOW: String(options.fakeNow),
      STEPWISE_WORKER_ID: options.workerId,
      STEPWISE_SECRET_KEY: options.secretKey,
      WORKER_LEASE_MS: '60000',
      WORKER_POLL_MS: '50',
      WORKER_BATCH_SIZE: '25',
      // Three batches in flight per worker, the production default: a kill interrupts all of them, and suspects
      // must still be charged fairly.
      WORKER_CONCURRENCY: '3',
      LOG_LEVEL: 'info',
      PGAPPNAME: sessions,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  sessionNames.set(child, sessions);
  child.on('exit', () => children.delete(child));
  return new Promise((resolveStart, reject) => {
    let output = '';
    child.stdout?.on('data', (data: Buffer) => {
      output += data.toString();
      if (output.includes('engine worker started')) resolveStart(child);
    });
    child.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`worker exited (${code}) before starting: ${output}`));
    });
  });
}

/**
 * Waits until PostgreSQL has ended every session of a killed worker. A SIGKILL closes the sockets, but a session
 * in the middle of a statement (say, waiting for a row lock) lives on until that statement ends, holding its
 * transaction's locks: until then the work it held is neither done nor free to claim again. Returns false if
 * sessions remain at `deadline`.
 */
export async function backendsGone(store: Store, child: ChildProcess, deadline: number): Promise<boolean> {
  const name = sessionNames.get(child);
  if (name === undefined) throw new Error('not a crash worker');
  for (;;) {
    const left = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = ${name}`.execute(store.db);
    if (left.rows[0]?.n === 0) return true;
    if (Date.now() > deadline) return false;
    await pause(5);
  }
}

/**
 * Waits until none of a worker's sessions is running a statement (bounded by `deadline`). With the worker
 * stopped (SIGSTOP), a statement it sent just before has then run: what it holds no longer changes.
 */
export async function statementsSettled(store: Store, child: ChildProcess, deadline: number): Promise<void> {
  const name = sessionNames.get(child);
  if (name === undefined) throw new Error('not a crash worker');
  for (;;) {
    const running = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = ${name} AND state = 'active'`.execute(
      store.db,
    );
    if (running.rows[0]?.n === 0 || Date.now() > deadline) return;
    await pause(2);
  }
}

export function killWorker(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    child.once('exit', () => done());
    child.kill('SIGKILL');
  });
}
