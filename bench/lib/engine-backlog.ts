import { FakeClock } from '../../src/engine/clock.ts';
import { connectRecords } from '../../src/engine/connect-records.ts';
import { silentLogger } from '../../src/engine/engine-deps.ts';
import { startEngineWorker } from '../../src/engine/worker.ts';
import { newId } from '../../src/store/ids.ts';
import { loadOrgPolicy, loadSequenceForConnect } from '../../src/store/repos/connections-repo.ts';
import { loadActor } from '../../src/store/repos/identity-repo.ts';
import type { Database } from '../../src/store/schema.ts';
import { insertRows, rowsWhere } from '../../src/store/seed/insert-rows.ts';
import { analyze } from '../../src/store/stats/count-rows.ts';
import {
  createActiveSequence,
  createLeads,
  createOrg,
  createTemplate,
  emailThroughputDefinition,
  insertChunked,
  ORG,
} from './fixtures.ts';
import type { Target } from './target.ts';

const DAY = 86_400_000;
/** The fake time of the set-up: every connection entered its first wait (a day) then. */
export const BACKLOG_T0 = Date.UTC(2026, 0, 5, 8, 0);
/** The fake time the workers run at: every connection's first wait has ended. */
export const BACKLOG_T1 = BACKLOG_T0 + DAY + 60_000;

export interface EngineBacklog {
  /** The fake time of the set-up: every connection entered its first wait (a day) then. */
  t0: number;
  /** The fake time the workers run at: every connection's first wait has ended. */
  t1: number;
  sellers: string[];
}

/**
 * Scenario 2's set-up, shared by our engine and the naive graphile-worker baseline so both work the same rows:
 * 100 sellers, `size` leads, the email-flow sequence (wait a day → automated email → update field → wait → task),
 * every lead connected and waiting in the first wait, its timer task pending. Not timed.
 */
export async function prepareEngineBacklog(target: Target, size: number): Promise<EngineBacklog> {
  const { db } = target.store;
  const t0 = BACKLOG_T0;
  const clock = new FakeClock(t0);
  const { sellers } = await createOrg(db, 100, t0);
  await insertRows(db, 'role_assignments', [{ org_id: ORG, user_id: sellers[0]!, role: 'admin' }]);
  await createLeads(db, sellers, size, t0);
  const templateId = await createTemplate(db, t0);
  const { sequenceId } = await createActiveSequence(
    db,
    'email-flow',
    sellers[0]!,
    emailThroughputDefinition(templateId),
    t0,
  );
  await connectAtFirstWait(target, clock, sellers, sequenceId, size, t0);
  // The backlog is written in seconds and timed at once; a real database has planner statistics by then
  // (autovacuum analyses a table within a minute of a bulk change). Without them PostgreSQL guesses a tiny table
  // and a batch's claim reads and sorts every due task and its connection lock reads every connection of the
  // organisation: each batch costs O(backlog), and the run grew with the square of its size.
  await analyze(db, target.dialect);
  return { t0, t1: BACKLOG_T1, sellers };
}

/** The tables holding one connection's rows, with the column naming its connection. */
const CLONED = [
  ['connections', 'id'],
  ['step_instances', 'connection_id'],
  ['scheduled_tasks', 'connection_id'],
  ['timeline_events', 'connection_id'],
] as const;

/**
 * Setup, not measured: every lead connected and waiting in the first wait. The real engine connects lead-0
 * (`connectRecords` + the worker applying `connected`); its rows in every table the engine wrote are then copied
 * for the other leads with their own ids (connection, record, owner, row ids; ids inside JSON and keys swapped).
 * The result is what bulk connect + the worker would write for all of them, in a fraction of the time, so the
 * full-size run fits the time budget. The timed phase is untouched: real worker processes on these rows.
 */
async function connectAtFirstWait(
  target: Target,
  clock: FakeClock,
  sellers: string[],
  sequenceId: string,
  size: number,
  now: number,
): Promise<void> {
  const { db } = target.store;
  const [actor, sequence, policy] = await Promise.all([
    loadActor(db, ORG, sellers[0]!),
    loadSequenceForConnect(db, ORG, sequenceId),
    loadOrgPolicy(db, ORG),
  ]);
  if (!actor || !sequence) throw new Error('bench: the seller or the sequence is missing');
  const [outcome] = await db.transaction().execute((trx) =>
    connectRecords(trx, {
      orgId: ORG,
      sequence,
      actor,
      policy,
      recordIds: ['lead-0'],
      now,
      source: 'manual',
    }),
  );
  if (outcome?.status !== 'connected')
    throw new Error(`bench: lead-0 was not connected (${outcome?.reason})`);
  const templateId = outcome.connectionId;
  const setupWorker = startEngineWorker(
    {
      store: target.store,
      clock,
      logger: silentLogger,
      config: { worker: { batchSize: 1000, pollMs: 50, leaseMs: 60_000, concurrency: 1 } },
      workerId: 'bench-setup',
    },
    { loop: false },
  );
  await setupWorker.drain();
  await setupWorker.stop();
  for (const [table, column] of CLONED) {
    const template = await rowsWhere(db, table, { orgId: ORG, column, value: templateId });
    const CHUNK_LEADS = 2000;
    for (let from = 1; from < size; from += CHUNK_LEADS) {
      const rows: Record<string, unknown>[] = [];
      for (let i = from; i < Math.min(size, from + CHUNK_LEADS); i++) {
        const connectionId = connectionIdOf(i, templateId);
        const owner = sellers[i % sellers.length]!;
        for (const row of template) {
          const copy: Record<string, unknown> = {};
          for (const [key, value] of Object.entries(row)) {
            copy[key] =
              typeof value === 'string'
                ? value.replaceAll(templateId, connectionId).replaceAll('"lead-0"', `"lead-${i}"`)
                : value;
          }
          copy.id = table === 'connections' ? connectionId : newId(now);
          if ('record_id' in copy) copy.record_id = `lead-${i}`;
          if ('owner_id' in copy) copy.owner_id = owner;
          rows.push(copy);
        }
      }
      await insertChunked(db, table as keyof Database, rows as never[], 400);
    }
  }
}

/** Deterministic per-lead connection ids of the template's length (so JSON sizes match). */
function connectionIdOf(i: number, templateId: string): string {
  if (i === 0) return templateId;
  const suffix = i.toString(16).padStart(12, '0');
  return `${templateId.slice(0, 24)}${suffix}`;
}
