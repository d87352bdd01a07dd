import {
  buryExhaustedTasks,
  pruneFoldedClaims,
  releaseExpiredLeases,
  stuckWork,
} from '../store/repos/engine-repo.ts';
import { DAY } from './clock.ts';
import type { EngineDeps } from './engine-deps.ts';
import { MAX_TASK_ATTEMPTS } from './process-tasks.ts';

export interface SweepReport {
  released: number;
  expiredLeases: number;
  overdue: number;
  dead: number;
}

/**
 * Reports and recovers stuck work: tasks whose worker died while holding them for the last allowed attempt are
 * given up on (`dead`), other leases whose holder died are released (their tasks are due again at once), and
 * tasks overdue by more than a minute and dead tasks are counted and logged.
 */
export async function sweep(deps: EngineDeps): Promise<SweepReport> {
  const now = deps.clock.now();
  await buryExhaustedTasks(deps.store.db, now, MAX_TASK_ATTEMPTS);
  const counts = await stuckWork(deps.store.db, now, 60_000);
  const { tasks } = await releaseExpiredLeases(deps.store.db, now);
  await pruneFoldedClaims(deps.store.db, now - DAY);
  const report = { released: tasks, ...counts };
  if (report.released > 0 || report.dead > 0 || report.overdue > 0)
    deps.logger.warn(report, 'engine sweeper');
  return report;
}
