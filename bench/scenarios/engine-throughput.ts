import { FakeClock } from '../../src/engine/clock.ts';
import { connectRecords } from '../../src/engine/connect-records.ts';
import { silentLogger } from '../../src/engine/engine-deps.ts';
import { startEngineWorker } from '../../src/engine/worker.ts';
import { startMailWorker } from '../../src/mail/mail-worker.ts';
import { newId } from '../../src/store/ids.ts';
import { loadOrgPolicy, loadSequenceForConnect } from '../../src/store/repos/connections-repo.ts';
import { loadActor } from '../../src/store/repos/identity-repo.ts';
import type { Database } from '../../src/store/schema.ts';
import { insertRows, rowsWhere } from '../../src/store/seed/insert-rows.ts';
import {
  countPendingDue,
  countRecordsWithCustomText,
  countRows,
  unsentMessageCounts,
} from '../../src/store/stats/count-rows.ts';
import { moveDueTasks } from '../../src/store/tasks/move-due-tasks.ts';
import { round } from '../lib/env.ts';
import {
  createActiveSequence,
  createLeads,
  createOrg,
  createTemplate,
  emailThroughputDefinition,
  insertChunked,
  ORG,
} from '../lib/fixtures.ts';
import { spawnStepwise, waitFor } from '../lib/processes.ts';
import type { Report } from '../lib/report.ts';
import { startSmtpSink } from '../lib/smtp-sink.ts';
import type { Target } from '../lib/target.ts';

const DAY = 86_400_000;
/** Engine transitions each connection makes when its first wait ends: automated email, update field, wait. */
export const TRANSITIONS_PER_CONNECTION = 3;

/** Rows the timed phase inserted, per table (the raw-SQLite ceiling writes the same). */
export interface RowCensus {
  step_instances: number;
  outbound_messages: number;
  scheduled_tasks: number;
  timeline_events: number;
}

export interface EngineThroughput {
  census: RowCensus;
  seconds: number;
  transitionsPerSecond: number;
  tasksPerSecond: number;
  workerPeakRssMiB: number | null;
}

async function count(
  target: Target,
  query: 'pendingDue' | 'messages' | 'updated',
  dueBy: number,
): Promise<number> {
  const { db } = target.store;
  switch (query) {
    case 'pendingDue':
      return countPendingDue(db, dueBy);
    case 'messages':
      return countRows(db, 'outbound_messages');
    case 'updated':
      return countRecordsWithCustomText(db, 'contacted');
  }
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
      config: { worker: { batchSize: 1000, pollMs: 50, leaseMs: 60_000 } },
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

/**
 * Scenario 2: N connections whose next step is an automated email, an update-field and a wait. The clock moves
 * past the first wait so all are due at once; `workers` real `stepwise worker` processes work the backlog; we
 * time from the moment the work falls due until nothing due is left. Then the outbox is delivered over real SMTP
 * to a loopback sink that counts every message.
 */
export async function benchEngineThroughput(
  target: Target,
  size: number,
  workers: number,
  report: Report,
  options: { deliverMail: boolean },
): Promise<EngineThroughput> {
  const { db } = target.store;
  const t0 = Date.UTC(2026, 0, 5, 8, 0);
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

  const census = async (): Promise<RowCensus> => {
    const tables = ['step_instances', 'outbound_messages', 'scheduled_tasks', 'timeline_events'] as const;
    const counts = await Promise.all(tables.map(async (table) => countRows(db, table)));
    return Object.fromEntries(tables.map((table, i) => [table, counts[i]!])) as unknown as RowCensus;
  };
  const before = await census();
  const t1 = t0 + DAY + 60_000;
  const parked = t1 + 3_600_000;
  // Park the due work an hour ahead, start the workers, and only when every one is up make the work due: the
  // measurement then holds no process start-up time.
  await moveDueTasks(db, { dueBy: t1, to: parked });
  const children = Array.from({ length: workers }, (_, i) =>
    spawnStepwise(['worker', '--only', 'engine', '--unsafe-test-clock'], {
      DATABASE_URL: target.url,
      STEPWISE_FAKE_NOW: String(t1),
      STEPWISE_WORKER_ID: `bench-worker-${i}`,
      WORKER_POLL_MS: '20',
      WORKER_BATCH_SIZE: '1000',
      LOG_LEVEL: 'info',
    }),
  );
  let dueAtReal: number;
  let finishedAt: number;
  try {
    await waitFor(
      async () => children.every((child) => child.output().includes('engine worker started')),
      120_000,
      50,
    );
    await moveDueTasks(db, { dueAt: parked, to: t1 });
    dueAtReal = performance.now();
    finishedAt = await waitFor(async () => (await count(target, 'pendingDue', t1)) === 0, 600_000, 20);
  } catch (error) {
    for (const child of children) console.error(child.output());
    throw error;
  }
  const peaks = children.map((child) => child.peakRss() ?? 0);
  if (process.env.BENCH_VERBOSE) for (const child of children) console.log(child.output());
  await Promise.all(children.map((child) => child.stop()));
  const seconds = (finishedAt - dueAtReal) / 1000;

  const after = await census();
  const inserted: RowCensus = {
    step_instances: after.step_instances - before.step_instances,
    outbound_messages: after.outbound_messages - before.outbound_messages,
    scheduled_tasks: after.scheduled_tasks - before.scheduled_tasks,
    timeline_events: after.timeline_events - before.timeline_events,
  };
  const messages = await count(target, 'messages', t1);
  const updated = await count(target, 'updated', t1);
  if (messages !== size || updated !== size) {
    throw new Error(`engine wrote ${messages} messages and ${updated} field updates for ${size} connections`);
  }
  const setup = `${target.dialect}, ${workers} worker process${workers > 1 ? 'es' : ''}, ${size.toLocaleString('en')} connections`;
  const transitionsPerSecond = Math.round((size * TRANSITIONS_PER_CONNECTION) / seconds);
  const tasksPerSecond = Math.round(size / seconds);
  report.add({
    scenario: '2. Engine throughput',
    setup,
    metric: 'backlog drained in',
    value: round(seconds, 2),
    unit: 's',
  });
  report.add({
    scenario: '2. Engine throughput',
    setup,
    metric: 'step transitions',
    value: transitionsPerSecond,
    unit: '/s',
  });
  report.add({
    scenario: '2. Engine throughput',
    setup,
    metric: 'due tasks applied',
    value: tasksPerSecond,
    unit: '/s',
  });
  const workerPeakRssMiB = Math.max(...peaks);
  report.add({
    scenario: '5. Memory',
    setup,
    metric: 'peak RSS per worker process',
    value: workerPeakRssMiB,
    unit: 'MiB',
  });

  if (options.deliverMail) {
    const sink = await startSmtpSink();
    const mailClock = new FakeClock(t1 + 10 * 60_000);
    const mail = startMailWorker({
      store: target.store,
      clock: mailClock,
      config: {
        secretKey: 'bench-secret-key-0123456789abcdef0123456789',
        publicUrl: 'http://localhost:3000',
        smtpUrl: sink.url,
        outboundAllowList: [],
        worker: { batchSize: 500, leaseMs: 600_000, pollMs: 3_600_000 },
      },
      workerId: 'bench-mail',
    });
    const started = performance.now();
    for (let pass = 0; pass < 1000 && sink.received() < size; pass++) {
      const stats = await mail.drain();
      if (stats.sent === 0 && stats.retried === 0) break;
    }
    const mailSeconds = (performance.now() - started) / 1000;
    await mail.stop();
    await sink.close();
    const received = sink.received();
    if (received !== size) {
      const left = await unsentMessageCounts(db);
      console.log('  messages not sent:', JSON.stringify(left));
    }
    const mailSetup = `${target.dialect}, 1 delivery loop, ${size.toLocaleString('en')} messages`;
    report.add({
      scenario: '2. Engine throughput',
      setup: mailSetup,
      metric: 'SMTP messages received by the sink',
      value: `${received} (duplicates: ${sink.duplicates()})`,
      unit: '',
      target: `exactly ${size}, none twice`,
      met: received === size && sink.duplicates() === 0,
    });
    report.add({
      scenario: '2. Engine throughput',
      setup: mailSetup,
      metric: 'SMTP delivery',
      value: Math.round(received / mailSeconds),
      unit: 'messages/s',
    });
  }
  return { census: inserted, seconds, transitionsPerSecond, tasksPerSecond, workerPeakRssMiB };
}
