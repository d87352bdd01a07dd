import pg from 'pg';
import { FailureBackoff } from './backoff.ts';
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
 * dead workers. `stop()` finishes the batch in flight.
 */
export function startEngineWorker(deps: EngineDeps, options: EngineWorkerOptions = {}): EngineWorker {
  const loop = options.loop ?? true;
  const sweepEveryMs = options.sweepEveryMs ?? 30_000;
  let stopped = false;
  let wake: (() => void) | null = null;
  let listener: pg.Client | null = null;
  let lastSweep = 0;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = null;
        resolve();
      }
      wake = done;
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

  /**
   * Never ends while not stopped: a failed batch (the database gone, a dropped connection) is logged and retried
   * after a growing pause; its claimed tasks stay leased and are taken again once the lease ends.
   */
  async function run(): Promise<void> {
    while (!stopped) {
      loopBeat('engine');
      let pause = deps.config.worker.pollMs;
      try {
        if (Date.now() - lastSweep >= sweepEveryMs) {
          await sweep(deps);
          lastSweep = Date.now();
        }
        if (!listener && listenWanted()) await startListening();
        const claimed = await processDueBatch(deps);
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
    const client = new pg.Client({ connectionString: deps.store.url, connectionTimeoutMillis: 5_000 });
    client.on('notification', () => wake?.());
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

  let running: Promise<void> = Promise.resolve();
  if (loop) {
    running = startListening().then(run);
  }

  return {
    drain,
    async stop() {
      stopped = true;
      wake?.();
      await running;
      loopStopped('engine');
      if (listener) await listener.end().catch(() => undefined);
      listener = null;
    },
  };
}
