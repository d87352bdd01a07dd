import type { Kysely } from 'kysely';
import type { EngineEvent } from '../domain/engine/events.ts';
import { isDatabaseUnavailable, isEndedByDatabase } from '../store/db-errors.ts';
import {
  buryExhaustedTasks,
  type Claim,
  type ConnectionRow,
  claimSuspect,
  foldClaims,
  freshTasksSince,
  guardClaim,
  holdClaim,
  holdTasks,
  lockConnections,
  markTaskFailed,
  markTasksDone,
  newClaimId,
  recordClaim,
  releaseClaim,
  releaseTask,
  selectFreshTasks,
  sqliteWriteMark,
  type TaskRow,
  writeTransaction,
} from '../store/repos/engine-repo.ts';
import type { Database } from '../store/schema.ts';
import { traceEngineBatch } from '../tracing/tracing.ts';
import type { EngineDeps } from './engine-deps.ts';
import { engineBatches, engineTasksClaimed } from './engine-metrics.ts';
import { type ConnectionEvents, runEvents } from './run-events.ts';
import { writeAdvanced } from './write-effects.ts';

export const MAX_TASK_ATTEMPTS = 5;

function parseEvent(task: TaskRow): EngineEvent | null {
  try {
    const event = JSON.parse(task.payload_json) as EngineEvent;
    return typeof event?.id === 'string' && typeof event.type === 'string' ? event : null;
  } catch {
    return null;
  }
}

/**
 * Applies claimed tasks in ONE transaction: lock their connections, advance each through its events in due
 * order, write states + effects, mark the tasks done. Tasks of paused connections are held; tasks of ended
 * connections are done without effect. Throws when the transaction fails (the caller retries per task).
 */
async function applyTasks(
  deps: EngineDeps,
  tasks: TaskRow[],
): Promise<{ failed: { task: TaskRow; error: string }[] }> {
  const now = deps.clock.now();
  return writeTransaction(deps.store, (trx) => applyInTransaction(deps, trx, tasks, now, false));
}

/**
 * The body of a batch, inside its transaction. `claimedHere`: the tasks were claimed by this transaction (no
 * lease, attempt not yet counted), so their attempt is counted with the write that finishes them.
 */
async function applyInTransaction(
  deps: EngineDeps,
  trx: Kysely<Database>,
  tasks: TaskRow[],
  now: number,
  claimedHere: boolean,
): Promise<{ failed: { task: TaskRow; error: string }[] }> {
  const { store } = deps;
  {
    const keys = [
      ...new Map(
        tasks.map((t) => [`${t.org_id}:${t.connection_id}`, { orgId: t.org_id, id: t.connection_id }]),
      ).values(),
    ];
    const connections = new Map(
      (await lockConnections(trx, store.dialect, keys)).map((c): [string, ConnectionRow] => [
        `${c.org_id}:${c.id}`,
        c,
      ]),
    );
    const done: TaskRow[] = [];
    const held: TaskRow[] = [];
    const failed: { task: TaskRow; error: string }[] = [];
    const work = new Map<string, ConnectionEvents & { tasks: TaskRow[] }>();
    const ordered = [...tasks].sort((a, b) => a.due_at - b.due_at || (a.id < b.id ? -1 : 1));
    for (const task of ordered) {
      const key = `${task.org_id}:${task.connection_id}`;
      const connection = connections.get(key);
      const event = task.kind === 'event' ? parseEvent(task) : null;
      if (
        !connection ||
        !event ||
        connection.status === 'completed' ||
        connection.status === 'disconnected' ||
        connection.status === 'failed'
      ) {
        done.push(task);
        continue;
      }
      if (connection.status === 'paused' && event.type !== 'exit') {
        held.push(task);
        continue;
      }
      const entry = work.get(key) ?? { connection, events: [], tasks: [] };
      work.set(key, entry);
      entry.events.push(event);
      entry.tasks.push(task);
    }
    const { advanced, failures } = await runEvents(trx, store.dialect, [...work.values()], now);
    const failedConnections = new Set(failures.map((f) => `${f.connection.org_id}:${f.connection.id}`));
    for (const [key, entry] of work) {
      if (failedConnections.has(key)) {
        const error =
          failures.find((f) => `${f.connection.org_id}:${f.connection.id}` === key)?.error ?? 'failed';
        for (const task of entry.tasks) failed.push({ task, error });
      } else done.push(...entry.tasks);
    }
    await writeAdvanced(trx, store.dialect, advanced, now, deps.messageIdDomain);
    await markTasksDone(trx, done, now, claimedHere);
    if (held.length > 0) await holdTasks(trx, held, now);
    for (const { task, error } of failed) {
      const tried = claimedHere ? { ...task, attempts: task.attempts + 1 } : task;
      await markTaskFailed(trx, tried, error, now, MAX_TASK_ATTEMPTS);
    }
    return { failed };
  }
}

/** Processes claimed tasks; if the batch transaction fails, each task is retried alone so one bad row cannot block others. */
export async function processTasks(deps: EngineDeps, tasks: TaskRow[]): Promise<number> {
  if (tasks.length === 0) return 0;
  try {
    const { failed } = await applyTasks(deps, tasks);
    for (const f of failed) deps.logger.warn({ taskId: f.task.id, error: f.error }, 'engine task failed');
    return tasks.length;
  } catch (error) {
    if (tasks.length === 1) {
      const task = tasks[0]!;
      if (isEndedByDatabase(error)) {
        // The database ended the session (and said so): not this task's doing, so no attempt is charged.
        deps.logger.warn({ taskId: task.id, err: String(error) }, 'engine task interrupted by the database');
        const now = deps.clock.now();
        await whileUnavailable(() => releaseTask(deps.store.db, task, String(error), now, now + 1000));
        return 1;
      }
      deps.logger.error({ taskId: task.id, err: String(error) }, 'engine task failed');
      await markTaskFailed(deps.store.db, task, String(error), deps.clock.now(), MAX_TASK_ATTEMPTS);
      return 1;
    }
    deps.logger.warn(
      { err: String(error), size: tasks.length },
      'engine batch failed; retrying tasks one by one',
    );
    let processed = 0;
    for (const task of tasks) processed += await processTasks(deps, [task]);
    return processed;
  }
}

/**
 * Runs a write that gives an attempt back, again while the database is unavailable (at most 5 tries over ~3 s):
 * the session that just ended is seldom alone. If it still fails, the lease or the journal is left behind, and
 * the attempt is counted as for a crash.
 */
async function whileUnavailable(write: () => Promise<void>): Promise<void> {
  for (let tries = 1; ; tries++) {
    try {
      return await write();
    } catch (error) {
      if (tries >= 5 || !isDatabaseUnavailable(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 300 * tries));
    }
  }
}

const JOURNAL_FOLDED = 'batch journal was folded before its batch held it';

/**
 * Claims fresh due tasks INSIDE the transaction that applies them (see src/store/repos/engine/claims.ts): no lease
 * write per task; the batch's journal row carries its attempt across a crash. A batch that fails has its attempt
 * counted at once; its tasks are then suspects, each claimed and tried alone. Returns how many it claimed (0 when
 * nothing fresh is due).
 */
export async function processFreshBatch(
  deps: EngineDeps,
  now: number,
  limit = deps.config.worker.batchSize,
): Promise<number> {
  const { store } = deps;
  let claim: Claim | null = null;
  let claimed = 0;
  const apply = async (trx: Kysely<Database>, tasks: TaskRow[]) => {
    const { failed } = await traceEngineBatch(tasks.length, () =>
      applyInTransaction(deps, trx, tasks, now, true),
    );
    for (const f of failed) deps.logger.warn({ taskId: f.task.id, error: f.error }, 'engine task failed');
  };
  try {
    if (store.dialect === 'postgres') {
      await writeTransaction(store, async (trx) => {
        const tasks = await selectFreshTasks(trx, store.dialect, now, limit);
        claimed = tasks.length;
        if (tasks.length === 0) return;
        // Locked before it exists, so no fold (of any process) takes the journal while this batch lives.
        const id = newClaimId(now);
        await guardClaim(trx, id);
        const recorded = await recordClaim(store.db, deps.workerId, tasks, now, id);
        claim = recorded;
        if (!(await holdClaim(trx, recorded))) throw new Error(JOURNAL_FOLDED);
        await apply(trx, tasks);
      });
    } else {
      // One connection: the journal commits before the batch transaction, whose write lock then re-reads the tasks
      // if anything but the journal was written since they were selected.
      const mark = await sqliteWriteMark(store.db);
      const candidates = await selectFreshTasks(store.db, store.dialect, now, limit);
      claimed = candidates.length;
      if (candidates.length === 0) return 0;
      const recorded = await recordClaim(store.db, deps.workerId, candidates, now);
      claim = recorded;
      await writeTransaction(store, async (trx) => {
        const tasks = await freshTasksSince(trx, mark, candidates, now);
        if (!(await holdClaim(trx, recorded))) throw new Error(JOURNAL_FOLDED);
        await apply(trx, tasks);
      });
    }
    return claimed;
  } catch (error) {
    const failedClaim: Claim | null = claim;
    if (!failedClaim) throw error;
    const { id } = failedClaim as Claim;
    if (isEndedByDatabase(error)) {
      // The database ended the batch's session (and said so): not its tasks' doing, so they stay fresh.
      deps.logger.warn({ err: String(error), size: claimed }, 'engine batch interrupted by the database');
      await whileUnavailable(() => releaseClaim(store, id, now));
      return claimed;
    }
    deps.logger.warn(
      { err: String(error), size: claimed },
      'engine batch failed; its tasks are retried one by one',
    );
    await foldClaims(store, now, id);
    return claimed;
  }
}

/**
 * Before every claim: batches that never committed (a crash, a failure) count their attempt; exhausted tasks are
 * dead.
 */
export async function settleUnfinishedBatches(deps: EngineDeps, now: number): Promise<void> {
  await foldClaims(deps.store, now);
  await buryExhaustedTasks(deps.store.db, now, MAX_TASK_ATTEMPTS);
}

/** One suspect (a task tried before and not finished), leased and tried alone; 0 when none is free. */
export async function processSuspect(deps: EngineDeps, now: number): Promise<number> {
  const suspect = await claimSuspect(deps.store, deps.workerId, now, deps.config.worker.leaseMs);
  if (suspect.length > 0) await traceEngineBatch(suspect.length, () => processTasks(deps, suspect));
  return suspect.length;
}

/** Runs one claim-and-apply step and keeps the batch metrics; returns how many tasks it claimed. */
export async function countedBatch(step: () => Promise<number>): Promise<number> {
  let claimed = 0;
  try {
    claimed = await step();
  } catch (error) {
    engineBatches.inc({ outcome: 'failed' });
    throw error;
  }
  if (claimed > 0) {
    engineBatches.inc({ outcome: 'applied' });
    engineTasksClaimed.inc(claimed);
  }
  return claimed;
}

/** Claims one batch of due tasks and processes it; returns how many were claimed. */
export function processDueBatch(deps: EngineDeps): Promise<number> {
  return countedBatch(async () => {
    const now = deps.clock.now();
    await settleUnfinishedBatches(deps, now);
    // A task tried before and not finished is leased and tried alone; otherwise a fresh batch.
    const suspects = await processSuspect(deps, now);
    return suspects > 0 ? suspects : processFreshBatch(deps, now);
  });
}
