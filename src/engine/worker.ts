import pg from 'pg';
import { FailureBackoff } from './backoff.ts';
import { BatchGate, processDueBatchInGate } from './batch-gate.ts';
import type { EngineDeps } from './engine-deps.ts';
import { loopBeat, loopStopped } from './loop-health.ts';
import { processDueBatch } from './process-tasks.ts';
import { sweep } from './sweeper.ts';

export interface EngineWorkerOptions {
  /** Run the polling loop (default true). Tests and benchmarks pass false and call `drain()`. */
  loop?: boolean;
  /** LISTEN for new work on PostgreSQL (default true when looping). */
  listen?: boolean;
  /** How often the sweeper runs, in ms of real time (default 30 s). */
  sweepEveryMs?: number;
}

export interface EngineWorker {
  stop(): Promise<void>;
  /** Processes everything due at the clock's `now` until nothing is due; returns how many tasks it handled. */
  drain(): Promise<number>;
}

/** The PostgreSQL channel the `scheduled_tasks` insert trigger notifies (migration 0004). */
export const TASKS_CHANNEL = 'stepwise_tasks';

/**
 * Lets the rest of the process run between two batches. On SQLite a batch never waits for I/O (better-sqlite3 is
 * synchronous; Kysely only chains promises), so without this a backlog was worked through in one unbroken run of
 * microtasks: no timer, HTTP request or SIGTERM was served until it was empty, and V8 could not run its
 * garbage-collection tasks either (the heap grew to several times what was live).
 */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Starts the scheduler: claim a batch of due tasks (leased), apply it in one transaction, repeat while there is
 * work; otherwise sleep until `pollMs` passes or PostgreSQL notifies new work. The sweeper releases leases of
 * dead workers. On PostgreSQL `WORKER_CONCURRENCY` loops run at once (see batch-gate.ts: a suspect is always
 * tried with nothing else in flight). `stop()` finishes the batches in flight and starts none.
 */
export function startEngineWorker(deps: EngineDeps, options: EngineWorkerOptions = {}): EngineWorker {
  const loop = options.loop ?? true;
  const sweepEveryMs = options.sweepEveryMs ?? 30_000;
  let stopped = false;
  /** The loops asleep now: new work or `stop()` wakes them all. */
  const wakers = new Set<() => void>();
  const wakeAll = () => {
    for (const wake of [...wakers]) wake();
  };
  let listener: pg.Client | null = null;
  let lastSweep = 0;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakers.delete(done);
        resolve();
      }
      wakers.add(done);
    });

  async function drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const claimed = await processDueBatch(deps);
      total += claimed;
      if (claimed === 0) return total;
      await nextTurn();
    }
  }

  const backoff = new FailureBackoff('engine worker', deps.logger, deps.config.worker.pollMs);

  // PostgreSQL: several batches at once, each in its own transaction on its own pooled connection, so the process
  // advances one batch while the server writes another (SKIP LOCKED keeps them apart, as it keeps workers apart).
  // SQLite has one writer: a second loop would only wait for the first.
  const loops = deps.store.dialect === 'postgres' ? Math.max(1, deps.config.worker.concurrency) : 1;
  const gate = new BatchGate();
  const round =
    loops === 1 ? () => processDueBatch(deps) : () => processDueBatchInGate(deps, gate, loops, () => stopped);

  /**
   * Never ends while not stopped: a failed batch (the database gone, a dropped connection) is logged and retried
   * after a growing pause; its claimed tasks stay leased and are taken again once the lease ends. Loop 0 also
   * sweeps and keeps the LISTEN connection.
   */
  async function run(first: boolean): Promise<void> {
    while (!stopped) {
      loopBeat('engine');
      let pause = deps.config.worker.pollMs;
      try {
        if (first && Date.now() - lastSweep >= sweepEveryMs) {
          await sweep(deps);
          lastSweep = Date.now();
        }
        if (first && !listener && listenWanted()) await startListening();
        const claimed = await round();
        backoff.succeeded();
        if (claimed > 0) {
          await nextTurn();
          continue;
        }
      } catch (error) {
        pause = backoff.failed(error);
      }
      if (!stopped) await sleep(pause);
    }
  }

  const listenWanted = () => deps.store.dialect === 'postgres' && options.listen !== false;
  let lastListenTry = 0;

  /** LISTENs on its own connection; when that connection is lost, the loop polls and listens again later. */
  async function startListening(): Promise<void> {
    if (!listenWanted() || Date.now() - lastListenTry < 5_000) return;
    lastListenTry = Date.now();
    // The pool's settings (TLS of DATABASE_SSL_CA_FILE included): this connection carries the password too.
    const client = new pg.Client({
      ...(deps.store.connectionConfig ?? { connectionString: deps.store.url }),
      connectionTimeoutMillis: 5_000,
    });
    client.on('notification', wakeAll);
    client.on('error', (error) => {
      deps.logger.warn({ err: String(error) }, 'engine LISTEN connection lost; polling');
      if (listener === client) listener = null;
      client.end().catch(() => undefined);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${TASKS_CHANNEL}`);
      listener = client;
    } catch (error) {
      deps.logger.warn({ err: String(error) }, 'engine could not LISTEN; polling only');
      await client.end().catch(() => undefined);
    }
  }

  let running: Promise<unknown> = Promise.resolve();
  if (loop) {
    running = startListening().then(() => Promise.all(Array.from({ length: loops }, (_, i) => run(i === 0))));
  }

  return {
    drain,
    async stop() {
      stopped = true;
      wakeAll();
      await running;
      loopStopped('engine');
      if (listener) await listener.end().catch(() => undefined);
      listener = null;
    },
  };
}
