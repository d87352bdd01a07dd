import type { EngineEvent } from '../domain/engine/events.ts';
import {
  type ConnectionRow,
  claimDueTasks,
  holdTasks,
  lockConnections,
  markTaskFailed,
  markTasksDone,
  type TaskRow,
  writeTransaction,
} from '../store/repos/engine-repo.ts';
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
  const { store } = deps;
  const now = deps.clock.now();
  return writeTransaction(store, async (trx) => {
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
    await markTasksDone(trx, done, now);
    if (held.length > 0) await holdTasks(trx, held, now);
    for (const { task, error } of failed) await markTaskFailed(trx, task, error, now, MAX_TASK_ATTEMPTS);
    return { failed };
  });
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

/** Claims one batch of due tasks and processes it; returns how many were claimed. */
export async function processDueBatch(deps: EngineDeps): Promise<number> {
  const now = deps.clock.now();
  const tasks = await claimDueTasks(
    deps.store,
    deps.workerId,
    now,
    deps.config.worker.leaseMs,
    deps.config.worker.batchSize,
    MAX_TASK_ATTEMPTS,
  );
  try {
    if (tasks.length > 0) await traceEngineBatch(tasks.length, () => processTasks(deps, tasks));
  } catch (error) {
    engineBatches.inc({ outcome: 'failed' });
    throw error;
  }
  if (tasks.length > 0) {
    engineBatches.inc({ outcome: 'applied' });
    engineTasksClaimed.inc(tasks.length);
  }
  return tasks.length;
}
