import type { Kysely } from 'kysely';
import { FakeClock } from '../../src/engine/clock.ts';
import { createConnection } from '../../src/engine/connect.ts';
import { silentLogger } from '../../src/engine/engine-deps.ts';
import { startEngineWorker } from '../../src/engine/worker.ts';
import { startMailWorker } from '../../src/mail/delivery.ts';
import { newId } from '../../src/store/ids.ts';
import type { Database } from '../../src/store/schema.ts';
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
      return Number(
        (
          await db
            .selectFrom('scheduled_tasks')
            .select(db.fn.countAll().as('n'))
            .where('status', '=', 'pending')
            .where('due_at', '<=', dueBy)
            .executeTakeFirstOrThrow()
        ).n,
      );
    case 'messages':
      return Number(
        (await db.selectFrom('outbound_messages').select(db.fn.countAll().as('n')).executeTakeFirstOrThrow())
          .n,
      );
    case 'updated':
      return Number(
        (
          await db
            .selectFrom('records')
            .select(db.fn.countAll().as('n'))
            .where('custom_json', 'like', '%contacted%')
            .executeTakeFirstOrThrow()
        ).n,
      );
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
 * (`createConnection` + the worker applying `connected`); its rows in every table the engine wrote are then copied
 * for the other leads with their own ids (connection, record, owner, row ids; ids inside JSON and keys swapped).
 * The result is what bulk connect + the worker would write for all of them, in a fraction of the time, so the
 * full-size run fits the time budget. The timed phase is untouched: real worker processes on these rows.
 */
async function connectAtFirstWait(
  target: Target,
  clock: FakeClock,
  sellers: string[],
  sequenceId: string,
  versionId: string,
  size: number,
  now: number,
): Promise<void> {
  const { db } = target.store;
  const templateId = await createConnection(db, {
    orgId: ORG,
    recordId: 'lead-0',
    sequenceId,
    versionId,
    ownerId: sellers[0]!,
    connectedBy: sellers[0]!,
    now,
  });
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
    const template = await (db as unknown as Kysely<Record<string, Record<string, unknown>>>)
      .selectFrom(table)
      .selectAll()
      .where('org_id', '=', ORG)
      .where(column, '=', templateId)
      .execute();
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
  await db
    .insertInto('role_assignments')
    .values({ org_id: ORG, user_id: sellers[0]!, role: 'admin' })
    .execute();
  await createLeads(db, sellers, size, t0);
  const templateId = await createTemplate(db, t0);
  const { sequenceId, versionId } = await createActiveSequence(
    db,
    'email-flow',
    sellers[0]!,
    emailThroughputDefinition(templateId),
    t0,
  );
  await connectAtFirstWait(target, clock, sellers, sequenceId, versionId, size, t0);

  const census = async (): Promise<RowCensus> => {
    const tables = ['step_instances', 'outbound_messages', 'scheduled_tasks', 'timeline_events'] as const;
    const counts = await Promise.all(
      tables.map(async (table) =>
        Number((await db.selectFrom(table).select(db.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
      ),
    );
    return Object.fromEntries(tables.map((table, i) => [table, counts[i]!])) as unknown as RowCensus;
  };
  const before = await census();
  const t1 = t0 + DAY + 60_000;
  const parked = t1 + 3_600_000;
  // Park the due work an hour ahead, start the workers, and only when every one is up make the work due: the
  // measurement then holds no process start-up time.
  await db
    .updateTable('scheduled_tasks')
    .set({ due_at: parked })
    .where('status', '=', 'pending')
    .where('due_at', '<=', t1)
    .execute();
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
    await db
      .updateTable('scheduled_tasks')
      .set({ due_at: t1 })
      .where('status', '=', 'pending')
      .where('due_at', '=', parked)
      .execute();
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
      const left = await db
        .selectFrom('outbound_messages')
        .select(['status', 'hold_reason', db.fn.countAll().as('n')])
        .where('status', '!=', 'sent')
        .groupBy(['status', 'hold_reason'])
        .execute();
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
