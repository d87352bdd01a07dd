import { releaseExpiredLeases, stuckWork } from '../store/repos/engine-repo.ts';
import type { EngineDeps } from './engine-deps.ts';

export interface SweepReport {
  released: number;
  expiredLeases: number;
  overdue: number;
  dead: number;
}

/**
 * Reports and recovers stuck work: leases whose holder died are released (their tasks are due again at once),
 * tasks overdue by more than a minute and tasks given up on (`dead`) are counted and logged.
 */
export async function sweep(deps: EngineDeps): Promise<SweepReport> {
  const now = deps.clock.now();
  const counts = await stuckWork(deps.store.db, now, 60_000);
  const { tasks } = await releaseExpiredLeases(deps.store.db, now);
  const report = { released: tasks, ...counts };
  if (report.released > 0 || report.dead > 0 || report.overdue > 0)
    deps.logger.warn(report, 'engine sweeper');
  return report;
}
