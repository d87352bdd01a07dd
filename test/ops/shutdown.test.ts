import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/db.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { killAll, pause, type SmtpSink, spawnStepwise, startSink, tally } from '../faults/harness.ts';
import { connectLeads, seedEmailWorld } from '../faults/outage-world.ts';

/**
 * SIGTERM with a backlog: a `stepwise worker` is delivering a queue that would take ~20 s (1,500 emails, 8 SMTP
 * connections, 100 ms per exchange) when it receives SIGTERM. It must stop after the batch in hand — not drain
 * the queue — and exit 0 within a few seconds; nothing may be left `sending`, and a restarted worker delivers the
 * rest with no email sent twice.
 */
const EMAILS = 1500;
const file = `/tmp/stepwise-shutdown-${randomUUID()}.db`;
let sink: SmtpSink | undefined;
let store: Store | undefined;
afterAll(async () => {
  killAll();
  await store?.close().catch(() => undefined);
  await sink?.close();
  for (const suffix of ['', '-wal', '-shm', '.scheduler-lock', '.scheduler-lock.owner']) {
    rmSync(`${file}${suffix}`, { force: true });
  }
});

async function countByStatus(db: Store['db']): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom('outbound_messages')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('status')
    .execute();
  return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
}

describe('SIGTERM with a backlog', () => {
  it('exits within seconds after the batch in hand; a restart delivers the rest exactly once', async () => {
    const latency = { latencyMs: 100 };
    sink = await startSink(latency);
    store = openStore(`sqlite:${file}`);
    await migrateToLatest(store.db);
    const now = Date.now();
    const scenario = await seedEmailWorld(store, { smtpPort: sink.port, now });
    await connectLeads(store, scenario.sequenceId, { from: 0, to: EMAILS }, now);
    const env = {
      DATABASE_URL: `sqlite:${file}`,
      WORKER_POLL_MS: '100',
      WORKER_BATCH_SIZE: '50',
      SHUTDOWN_TIMEOUT: '30',
    };

    const worker = spawnStepwise('worker', ['worker'], env);
    await worker.waitFor('engine worker started', 60_000);
    const deadline = Date.now() + 60_000;
    while (sink.received.length < 60 && Date.now() < deadline) await pause(20);
    expect(sink.received.length).toBeGreaterThanOrEqual(60);

    const exited = new Promise<number | null>((done) => worker.child.once('exit', (code) => done(code)));
    const signalledAt = Date.now();
    worker.child.kill('SIGTERM');
    const code = await exited;
    const stopMs = Date.now() - signalledAt;
    expect(code).toBe(0);
    expect(stopMs).toBeLessThan(5_000);
    expect(worker.output()).toContain('stopped');

    // A real backlog was left: the worker did not drain the queue before exiting.
    const atStop = tally(sink.received);
    expect(atStop.duplicateRecipients).toBe(0);
    expect(atStop.distinctRecipients).toBeLessThan(EMAILS / 2);
    const statuses = await countByStatus(store.db);
    expect(statuses.sending ?? 0).toBe(0);
    expect(statuses.sent ?? 0).toBe(atStop.distinctRecipients);

    // A restarted worker delivers the rest; nothing arrives twice.
    latency.latencyMs = 0;
    const successor = spawnStepwise('successor', ['worker'], env);
    const finishBy = Date.now() + 90_000;
    while (Date.now() < finishBy) {
      if (tally(sink.received).distinctRecipients >= EMAILS) break;
      await pause(200);
    }
    await successor.kill('SIGTERM');
    const final = tally(sink.received);
    expect(final.distinctRecipients).toBe(EMAILS);
    expect(final.duplicateRecipients).toBe(0);
    expect(final.duplicateMessageIds).toBe(0);
    expect((await countByStatus(store.db)).sent).toBe(EMAILS);
  }, 180_000);
});
