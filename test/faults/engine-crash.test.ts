import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DAY } from '../../src/engine/clock.ts';
import type { DialectName, Store } from '../../src/store/db.ts';
import { freshStore } from '../support/databases.ts';
import { CONNECTIONS, seedCrashWorkload } from './crash-fixture.ts';
import { T0 } from './engine-fixtures.ts';

/**
 * Crash tests: real `stepwise worker` processes advance 5,000 connections and are SIGKILLed at random moments,
 * then restarted. Afterwards every connection must be exactly where the sequence says, with every email, step
 * and timeline entry written exactly once.
 */
const BIN = resolve(import.meta.dirname, '../../bin/stepwise.js');

const children = new Set<ChildProcess>();
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});

function startWorker(url: string, workerId: string, fakeNow: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, 'worker', '--only', 'engine'], {
    env: {
      ...process.env,
      DATABASE_URL: url,
      STEPWISE_FAKE_NOW: String(fakeNow),
      STEPWISE_WORKER_ID: workerId,
      STEPWISE_SECRET_KEY: 'crash-test-secret-0123456789abcdef0123456789',
      WORKER_LEASE_MS: '60000',
      WORKER_POLL_MS: '50',
      WORKER_BATCH_SIZE: '500',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return new Promise((resolveStart, reject) => {
    let output = '';
    const onData = (data: Buffer) => {
      output += data.toString();
      if (output.includes('engine worker started')) resolveStart(child);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.on('exit', (code) => reject(new Error(`worker exited (${code}) before starting: ${output}`)));
  });
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    child.once('exit', () => done());
    child.kill('SIGKILL');
  });
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function dueLeft(store: Store, at: number): Promise<number> {
  const row = await store.db
    .selectFrom('scheduled_tasks')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'pending')
    .where('due_at', '<=', at)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Runs a phase: workers killed at random moments `kills` times, then left to finish everything due. */
async function runPhase(store: Store, workers: number, fakeNow: number, kills: number): Promise<void> {
  const ids = Array.from({ length: workers }, (_, i) => `crash-w${i}`);
  for (let round = 0; round < kills; round++) {
    const running = await Promise.all(ids.map((id) => startWorker(store.url, id, fakeNow)));
    await pause(200 + Math.floor(Math.random() * 1500));
    await Promise.all(running.map(kill));
    if ((await dueLeft(store, fakeNow)) === 0) break;
  }
  const running = await Promise.all(ids.map((id) => startWorker(store.url, id, fakeNow)));
  const deadline = Date.now() + 150_000;
  while ((await dueLeft(store, fakeNow)) > 0 && Date.now() < deadline) await pause(100);
  await Promise.all(running.map(kill));
}

async function verify(store: Store, gold: Set<string>): Promise<void> {
  const connections = await store.db
    .selectFrom('connections')
    .select(['id', 'status', 'current_node_id'])
    .execute();
  expect(connections).toHaveLength(CONNECTIONS);
  const wrong = connections.filter((c) =>
    gold.has(c.id)
      ? c.status !== 'completed' || c.current_node_id !== null
      : c.status !== 'active' || c.current_node_id !== 't',
  );
  expect(wrong).toEqual([]);

  const emails = await store.db
    .selectFrom('outbound_messages')
    .select((eb) => ['connection_id', eb.fn.countAll<number>().as('n')])
    .groupBy('connection_id')
    .execute();
  const emailCount = new Map(emails.map((e) => [e.connection_id, Number(e.n)]));
  const badEmails = connections.filter((c) => emailCount.get(c.id) !== (gold.has(c.id) ? 2 : 1));
  expect(badEmails).toEqual([]);

  const steps = await store.db
    .selectFrom('step_instances')
    .select((eb) => ['connection_id', eb.fn.countAll<number>().as('n')])
    .groupBy('connection_id')
    .execute();
  expect(steps.filter((s) => Number(s.n) !== 4)).toEqual([]);
  expect(steps).toHaveLength(CONNECTIONS);

  // The timeline has no unique key: an event applied twice would show here.
  const timeline = await store.db
    .selectFrom('timeline_events')
    .select((eb) => ['connection_id', eb.fn.countAll<number>().as('n')])
    .groupBy('connection_id')
    .execute();
  const badTimeline = timeline.filter((t) => Number(t.n) !== (gold.has(t.connection_id ?? '') ? 6 : 4));
  expect(badTimeline).toEqual([]);
  expect(timeline).toHaveLength(CONNECTIONS);

  const tasks = await store.db
    .selectFrom('scheduled_tasks')
    .select((eb) => ['status', eb.fn.countAll<number>().as('n')])
    .groupBy('status')
    .execute();
  expect(tasks.map((t) => [t.status, Number(t.n)])).toEqual([['done', 2 * CONNECTIONS]]);
}

const cases: [DialectName, number][] = [
  ['sqlite', 1],
  ['postgres', 1],
  ['postgres', 3],
];

describe.each(cases)('crash test (%s, %i worker(s))', (dialect, workers) => {
  it(`advances ${CONNECTIONS} connections exactly once through SIGKILLs`, async () => {
    const store = await freshStore(dialect, { file: true });
    try {
      const { gold } = await seedCrashWorkload(store);
      await runPhase(store, workers, T0, 1);
      expect(await dueLeft(store, T0 + 2 * DAY)).toBe(CONNECTIONS);
      await runPhase(store, workers, T0 + 2 * DAY, 1);
      await verify(store, gold);
    } finally {
      await store.close();
    }
  }, 240_000);
});
