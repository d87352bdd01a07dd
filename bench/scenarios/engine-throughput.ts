import { FakeClock } from '../../src/engine/clock.ts';
import { startMailWorker } from '../../src/mail/mail-worker.ts';
import {
  anyPendingDue,
  countPendingDue,
  countRecordsWithCustomText,
  countRows,
  unsentMessageCounts,
} from '../../src/store/stats/count-rows.ts';
import { moveDueTasks } from '../../src/store/tasks/move-due-tasks.ts';
import { BACKLOG_T1, prepareEngineBacklog } from '../lib/engine-backlog.ts';
import { round, settleForTiming } from '../lib/env.ts';
import type { MemoryFigures } from '../lib/memory.ts';
import { cpuSeconds, postgresCpuSeconds, spawnWorker, waitFor } from '../lib/processes.ts';
import type { Report } from '../lib/report.ts';
import { startSmtpSink } from '../lib/smtp-sink.ts';
import type { Target } from '../lib/target.ts';

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
  /** CPU seconds (user + system) the workers used while draining; null when /proc could not be read. */
  workerCpuSeconds: number | null;
  /** The largest peak over the worker processes (RSS from /proc, heap from the preloaded probe). */
  worker: MemoryFigures;
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
  /** prepared: the target already holds the backlog (a clone of a prepared database). */
  options: { deliverMail: boolean; prepared?: boolean },
): Promise<EngineThroughput> {
  const { db } = target.store;
  const t1 = options.prepared ? BACKLOG_T1 : (await prepareEngineBacklog(target, size)).t1;

  const census = async (): Promise<RowCensus> => {
    const tables = ['step_instances', 'outbound_messages', 'scheduled_tasks', 'timeline_events'] as const;
    const counts = await Promise.all(tables.map(async (table) => countRows(db, table)));
    return Object.fromEntries(tables.map((table, i) => [table, counts[i]!])) as unknown as RowCensus;
  };
  const before = await census();
  const parked = t1 + 3_600_000;
  // Park the due work an hour ahead, start the workers, and only when every one is up make the work due: the
  // measurement then holds no process start-up time.
  await moveDueTasks(db, { dueBy: t1, to: parked });
  if (target.dialect === 'postgres') await settleForTiming(target.url);
  const children = Array.from({ length: workers }, (_, i) =>
    spawnWorker(['--only', 'engine', '--unsafe-test-clock'], {
      DATABASE_URL: target.url,
      STEPWISE_FAKE_NOW: String(t1),
      STEPWISE_WORKER_ID: `bench-worker-${i}`,
      WORKER_POLL_MS: '20',
      WORKER_BATCH_SIZE: process.env.BENCH_WORKER_BATCH_SIZE ?? '1000',
      LOG_LEVEL: 'info',
    }),
  );
  let dueAtReal: number;
  let finishedAt: number;
  let cpuBefore: (number | null)[] = [];
  let cpuAfter: (number | null)[] = [];
  let serverCpu: number | null = null;
  try {
    await waitFor(
      async () => children.every((child) => child.output().includes('engine worker started')),
      120_000,
      50,
    );
    await moveDueTasks(db, { dueAt: parked, to: t1 });
    dueAtReal = performance.now();
    cpuBefore = children.map((child) => cpuSeconds(child.process.pid));
    const postmaster = target.postgres?.postmasterPid() ?? null;
    const serverBefore = postmaster === null ? null : postgresCpuSeconds(postmaster);
    // An existence check, not a count: a count per poll reads every remaining due task and grows with the backlog.
    finishedAt = await waitFor(async () => !(await anyPendingDue(db, t1)), 600_000, 20);
    cpuAfter = children.map((child) => cpuSeconds(child.process.pid));
    if (postmaster !== null && serverBefore !== null)
      serverCpu = postgresCpuSeconds(postmaster) - serverBefore;
  } catch (error) {
    for (const child of children) console.error(child.output());
    throw error;
  }
  const memories = children.map((child) => child.memory());
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
  const workerCpu = cpuAfter.reduce<number | null>((sum, after, i) => {
    const before = cpuBefore[i];
    return sum === null || after === null || before === null || before === undefined
      ? null
      : sum + after - before;
  }, 0);
  if (workerCpu !== null && workerCpu > 0) {
    report.add({
      scenario: '2. Engine throughput',
      setup,
      metric: 'worker CPU time (user + system, all workers) while draining',
      value: round(workerCpu, 2),
      unit: 's',
      note: `${Math.round((size * TRANSITIONS_PER_CONNECTION) / workerCpu)} transitions per worker CPU-second (steadier than wall time on a shared machine)`,
    });
  }
  if (serverCpu !== null) {
    report.add({
      scenario: '2. Engine throughput',
      setup,
      metric: 'PostgreSQL server CPU time (all its processes) while draining',
      value: round(serverCpu, 2),
      unit: 's',
      note: 'with the worker CPU time: how much of the drain each side kept a core busy',
    });
  }
  const peakOf = (key: keyof MemoryFigures) => {
    const values = memories.map((m) => m[key]).filter((v): v is number => v !== null);
    return values.length > 0 ? Math.max(...values) : null;
  };
  const worker: MemoryFigures = {
    peakRssMiB: peakOf('peakRssMiB'),
    rssMiB: peakOf('rssMiB'),
    peakHeapMiB: peakOf('peakHeapMiB'),
    heapMiB: peakOf('heapMiB'),
  };
  report.add({
    scenario: '5. Memory',
    setup,
    metric: 'peak RSS · peak V8 heap per worker process',
    value: `${worker.peakRssMiB ?? 'n/a'} · ${worker.peakHeapMiB ?? 'n/a'}`,
    unit: 'MiB',
    note: 'RSS from /proc/PID/status (VmHWM and VmRSS sampled every 250 ms); heap from a preloaded probe',
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
  return {
    census: inserted,
    seconds,
    transitionsPerSecond,
    tasksPerSecond,
    worker,
    workerCpuSeconds: workerCpu,
  };
}
