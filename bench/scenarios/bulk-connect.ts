import { createConnectJob, runBulkJobs } from '../../src/engine/bulk-connect.ts';
import { insertRows } from '../../src/store/seed/insert-rows.ts';
import { countRows } from '../../src/store/stats/count-rows.ts';
import { round, settleForTiming } from '../lib/env.ts';
import { createActiveSequence, createLeads, createOrg, ORG, tenStepDefinition } from '../lib/fixtures.ts';
import type { Report } from '../lib/report.ts';
import type { Target } from '../lib/target.ts';

/** Scenario 1: N open leads connected to a 10-step sequence by one bulk request, until the job is done. */
export async function benchBulkConnect(
  target: Target,
  size: number,
  report: Report,
): Promise<{ seconds: number }> {
  const { db } = target.store;
  const now = Date.now();
  const { sellers } = await createOrg(db, 10, now);
  await insertRows(db, 'role_assignments', [{ org_id: ORG, user_id: sellers[0]!, role: 'admin' }]);
  await createLeads(db, sellers, size, now);
  const { sequenceId } = await createActiveSequence(db, 'ten-steps', sellers[0]!, tenStepDefinition(), now);
  // The leads were just written in bulk: the timed connect must not pay for their vacuum and checkpoint.
  if (target.dialect === 'postgres') await settleForTiming(target.url);

  const started = performance.now();
  await createConnectJob(db, {
    orgId: ORG,
    actorId: sellers[0]!,
    params: { sequenceId, source: { kind: 'filter', filter: { view: 'open_without_sequence' } } },
    now,
  });
  const clock = { now: () => now };
  await runBulkJobs({ store: target.store, clock, chunkSize: 2000 });
  const seconds = (performance.now() - started) / 1000;

  const connected = await countRows(db, 'connections', ORG);
  if (connected !== size) throw new Error(`bulk connect connected ${connected} of ${size}`);
  const setup = `${target.dialect}, ${size.toLocaleString('en')} leads`;
  report.add({
    scenario: '1. Bulk connect',
    setup,
    metric: 'wall time',
    value: round(seconds, 2),
    unit: 's',
    // #17's bar for PostgreSQL; SQLite keeps the first target.
    target: target.dialect === 'postgres' ? '< 5 s' : '< 10 s',
    met: size < 100_000 ? undefined : seconds < (target.dialect === 'postgres' ? 5 : 10),
  });
  report.add({
    scenario: '1. Bulk connect',
    setup,
    metric: 'throughput',
    value: Math.round(size / seconds),
    unit: 'records/s',
  });
  return { seconds };
}
