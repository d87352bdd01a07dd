import { type ClaimedJob, claimBulkJob } from '../store/bulk-jobs/claim-bulk-job.ts';
import type { Store } from '../store/db.ts';
import { isDatabaseUnavailable } from '../store/db-errors.ts';
import { newId } from '../store/ids.ts';
import type { Clock } from './clock.ts';

/**
 * The one runner of `bulk_jobs` (connect jobs, CSV imports): claim a job under a lease, work through it one chunk
 * per transaction, each chunk advancing the job's cursor only while the lease is still held. A crash loses at
 * most the chunk in flight (it rolled back); the next runner resumes at the cursor. A kind supplies only what
 * one chunk does and how a failure is written down.
 */
export interface JobRunnerDeps {
  store: Store;
  clock: Clock;
  /** Written into `lease_owner`; unique per process. */
  workerId?: string;
  leaseMs?: number;
  /** Stop after this many chunks (tests use it to leave a job half done, as a crash would). */
  maxChunks?: number;
  /** Work on this job only. */
  jobId?: string;
  /**
   * Aborted at shutdown: the run returns after the chunk in hand; the job stays leased to this worker and resumes
   * at its cursor (here after a restart with the same worker id, elsewhere once the lease ends).
   */
  signal?: AbortSignal;
}

/** Thrown inside a chunk when the job's lease is gone: the chunk rolls back and the runner moves on. */
export class LeaseLost extends Error {}

export interface JobKind {
  kind: string;
  /** One chunk in one transaction; true when the job has ended. */
  runChunk(job: ClaimedJob, workerId: string, leaseMs: number): Promise<boolean>;
  /** Writes down a failure (not a lost lease, not an unavailable database); true when it ended the job. */
  fail(job: ClaimedJob, workerId: string, error: unknown): Promise<boolean>;
  /** Called once per claimed job when the runner is done with it (caches). */
  release?(job: ClaimedJob): void;
}

/**
 * Works through every claimable job of the kind until none is left, `maxChunks` is reached or the signal is
 * aborted. Returns the number of jobs that ended. Safe to run in several processes at once.
 */
export async function runJobs(deps: JobRunnerDeps, kind: JobKind): Promise<number> {
  const workerId = deps.workerId ?? `${kind.kind}-${process.pid}-${newId()}`;
  const leaseMs = deps.leaseMs ?? 60_000;
  let chunksLeft = deps.maxChunks ?? Number.POSITIVE_INFINITY;
  let finished = 0;
  for (;;) {
    if (chunksLeft <= 0 || deps.signal?.aborted) return finished;
    const job = await claimBulkJob(deps.store.db, {
      kind: kind.kind,
      workerId,
      now: deps.clock.now(),
      leaseMs,
      jobId: deps.jobId,
    });
    if (!job) return finished;
    try {
      for (;;) {
        if (chunksLeft <= 0 || deps.signal?.aborted) return finished;
        chunksLeft--;
        if (await kind.runChunk(job, workerId, leaseMs)) {
          finished++;
          break;
        }
        // SQLite answers synchronously: let the server answer requests (progress polls) between chunks.
        await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (error) {
      if (error instanceof LeaseLost) continue;
      // The database went away mid-chunk: the chunk rolled back and the job stays leased to this worker, which
      // claims it again (or another worker after the lease) once the database is back. Not the job's fault.
      if (isDatabaseUnavailable(error)) throw error;
      if (await kind.fail(job, workerId, error)) finished++;
    } finally {
      kind.release?.(job);
    }
  }
}

/** Polls for jobs in the background; a failing round (database gone) is retried with a growing pause. */
export function startJobPoller(
  run: (signal: AbortSignal | undefined) => Promise<number>,
  options: { pollMs?: number; onError?: (error: unknown) => void },
) {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let failures = 0;
  const stopping = new AbortController();
  const tick = async () => {
    if (stopped) return;
    const pollMs = options.pollMs ?? 1000;
    let pause = pollMs;
    running = run(stopping.signal).then(
      () => {
        failures = 0;
      },
      (error: unknown) => {
        failures++;
        pause = Math.max(pollMs, Math.min(pollMs * 2 ** Math.min(failures, 10), 5_000));
        options.onError?.(error);
      },
    );
    await running;
    if (!stopped) timer = setTimeout(tick, pause);
  };
  timer = setTimeout(tick, 0);
  return {
    drain: () => run(undefined),
    async stop() {
      stopped = true;
      stopping.abort();
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
