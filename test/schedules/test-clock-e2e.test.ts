import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { DateTime } from 'luxon';
import { simpleParser } from 'mailparser';
import { afterAll, describe, expect, it } from 'vitest';
import { setTestClock } from '../../src/engine/test-clock.ts';
import { openStore, type Store } from '../../src/store/db.ts';
import { newId } from '../../src/store/ids.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { insertSchedule } from '../../src/store/repos/schedules-repo.ts';
import {
  freePort,
  killAll,
  pause,
  type SmtpSink,
  type StepwiseProcess,
  spawnStepwise,
  startSink,
} from '../faults/harness.ts';
import { seedEmailWorld } from '../faults/outage-world.ts';
import { SELLER } from '../mail/mail-fixtures.ts';
import { createPostgresDatabase } from '../support/databases.ts';
import { ORG_ID, PASSWORD, USERS } from '../support/world.ts';

/**
 * Issue 13 end to end with real processes and the product's test clock: `stepwise serve --no-worker` and
 * `stepwise worker` run as child processes on one database, both reading the clock file this test rewrites, and
 * a loopback SMTP sink receives what they send. A record without a zone whose phone number is in New York is
 * connected through the HTTP API on Friday 17:30 New York time; its schedule (Mon–Fri 09:00–17:00, recipient's
 * time) has Monday as a holiday: the email reaches the sink on Tuesday 09:00 New York time, exactly once.
 */
const NY = 'America/New_York';
const ny = (iso: string) => DateTime.fromISO(iso, { zone: NY }).toMillis();
const files: string[] = [];
const sinks: SmtpSink[] = [];
const stores: Store[] = [];
afterAll(async () => {
  killAll();
  for (const store of stores) await store.close().catch(() => undefined);
  for (const sink of sinks) await sink.close();
  for (const file of files) {
    for (const suffix of ['', '-wal', '-shm', '.scheduler-lock', '.scheduler-lock.owner']) {
      rmSync(`${file}${suffix}`, { force: true });
    }
  }
});

async function signIn(base: string, email: string): Promise<{ cookie: string; csrf: string }> {
  const pre = await fetch(`${base}/api/auth/login-token`);
  const { loginToken } = (await pre.json()) as { loginToken: string };
  const login = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      cookie: `sw_login=${loginToken}`,
      'x-login-token': loginToken,
    },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  expect(login.status, await login.clone().text()).toBe(200);
  const session = /sw_session=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1];
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  return { cookie: `sw_session=${session}`, csrf: csrfToken };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await pause(50);
  }
}

describe.each(['sqlite', 'postgres'] as const)('serve + worker on the test clock (%s)', (dialect) => {
  it('connected Friday 17:30, holiday Monday: the email reaches the sink Tuesday 09:00 recipient time, once', async () => {
    const sink = await startSink();
    sinks.push(sink);
    const clockFile = `/tmp/stepwise-clock-${randomUUID()}`;
    files.push(clockFile);
    let url: string;
    if (dialect === 'sqlite') {
      const file = `/tmp/stepwise-clock-e2e-${randomUUID()}.db`;
      files.push(file);
      url = `sqlite:${file}`;
    } else {
      url = await createPostgresDatabase();
    }
    const store = openStore(url);
    stores.push(store);
    await migrateToLatest(store.db);
    const friday = ny('2026-12-04T17:30');
    setTestClock(clockFile, friday);
    const { sequenceId } = await seedEmailWorld(store, { smtpPort: sink.port, now: friday - 3_600_000 });
    await insertSchedule(store.db, {
      org_id: ORG_ID,
      id: newId(friday),
      name: 'Office hours',
      is_default: 1,
      zone_mode: 'recipient',
      zone: null,
      intervals_json: JSON.stringify([1, 2, 3, 4, 5].map((day) => ({ day, from: '09:00', to: '17:00' }))),
      holidays_json: JSON.stringify({ dates: ['2026-12-07'], country: null, region: null }),
      created_at: friday,
      updated_at: friday,
    });
    const recordId = newId(friday);
    await store.db
      .insertInto('records')
      .values({
        org_id: ORG_ID,
        id: recordId,
        type: 'lead',
        name: 'Ada Lovelace',
        first_name: 'Ada',
        last_name: 'Lovelace',
        company: null,
        job_title: null,
        email: 'ada@customer.test',
        // No zone of its own: the schedule reads it in the zone of its (New York) phone number.
        phone_business: '+1 212 555 0100',
        phone_mobile: null,
        time_zone: null,
        status: 'open',
        stage: null,
        owner_id: SELLER,
        business_unit_id: 'bu-east',
        do_not_email: 0,
        do_not_call: 0,
        custom_json: '{}',
        created_at: friday,
        updated_at: friday,
      })
      .execute();

    const port = await freePort();
    const env = {
      DATABASE_URL: url,
      NODE_ENV: 'test',
      STEPWISE_TEST_CLOCK: clockFile,
      WORKER_POLL_MS: '50',
      PORT: String(port),
    };
    const processes: StepwiseProcess[] = [
      spawnStepwise('serve', ['serve', '--no-worker'], env),
      spawnStepwise('worker', ['worker'], env),
    ];
    const [serve, worker] = processes as [StepwiseProcess, StepwiseProcess];
    await serve.waitFor('Stepwise is serving', 60_000);
    await worker.waitFor('engine worker started', 60_000);
    expect(serve.output()).toContain('test clock in use');

    const base = `http://127.0.0.1:${port}`;
    const session = await signIn(base, USERS.eastSeller.email);
    const connect = await fetch(`${base}/api/records/${recordId}/connection`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: session.cookie, 'x-csrf-token': session.csrf },
      body: JSON.stringify({ sequenceId }),
    });
    expect(connect.status, await connect.clone().text()).toBe(201);
    const connection = await store.db
      .selectFrom('connections')
      .select('connected_at')
      .where('record_id', '=', recordId)
      .executeTakeFirstOrThrow();
    // serve stamped the connection with the test clock's Friday 17:30, not the machine's time.
    expect(Number(connection.connected_at)).toBe(friday);

    const held = await until('the worker to queue and hold the email', async () => {
      const row = await store.db
        .selectFrom('outbound_messages')
        .select(['status', 'hold_reason'])
        .where('record_id', '=', recordId)
        .executeTakeFirst();
      return row?.hold_reason ? row : undefined;
    });
    expect(held.status).toBe('queued');
    expect(held.hold_reason).toContain("goes at Tue 2026-12-08 09:00 (recipient's time, America/New_York)");

    for (const moment of ['2026-12-05T09:00', '2026-12-07T09:00', '2026-12-07T16:00', '2026-12-08T08:59']) {
      setTestClock(clockFile, ny(moment));
      await pause(500);
      expect(sink.received, `nothing may be sent at ${moment}`).toHaveLength(0);
    }
    setTestClock(clockFile, ny('2026-12-08T09:00'));
    const [mail] = await until('the email at the sink', async () =>
      sink.received.length > 0 ? sink.received : undefined,
    );
    const parsed = await simpleParser(mail?.raw ?? '');
    expect(DateTime.fromJSDate(parsed.date as Date, { zone: NY }).toFormat('ccc yyyy-MM-dd HH:mm')).toBe(
      'Tue 2026-12-08 09:00',
    );
    expect(mail?.to).toEqual(['ada@customer.test']);
    setTestClock(clockFile, ny('2026-12-08T10:00'));
    await pause(1_000);
    expect(sink.received).toHaveLength(1);
    const sent = await store.db
      .selectFrom('outbound_messages')
      .select(['status', 'sent_at'])
      .where('record_id', '=', recordId)
      .execute();
    expect(sent).toEqual([{ status: 'sent', sent_at: ny('2026-12-08T09:00') }]);
    for (const process of processes) await process.kill('SIGTERM');
  }, 180_000);
});

describe('the test clock is refused outside tests', () => {
  it.each([
    ['serve', ['serve', '--no-worker']],
    ['worker', ['worker']],
  ])(
    '%s exits with status 2 when NODE_ENV is not test and --unsafe-test-clock is not given',
    async (name, args) => {
      const child = spawnStepwise(name, args, {
        DATABASE_URL: `sqlite:/tmp/stepwise-refused-${randomUUID()}.db`,
        NODE_ENV: 'production',
        STEPWISE_TEST_CLOCK: '2026-12-04T22:30:00Z',
        PORT: String(await freePort()),
      });
      const code = await new Promise<number | null>((done) => child.child.once('exit', (c) => done(c)));
      expect(code).toBe(2);
      expect(child.output()).toContain('runs only with NODE_ENV=test or --unsafe-test-clock');
    },
  );

  it('starts with --unsafe-test-clock and says so', async () => {
    const file = `/tmp/stepwise-unsafe-${randomUUID()}.db`;
    files.push(file);
    const worker = spawnStepwise('worker', ['worker', '--only', 'engine', '--unsafe-test-clock'], {
      DATABASE_URL: `sqlite:${file}`,
      NODE_ENV: 'production',
      STEPWISE_TEST_CLOCK: '2026-12-04T22:30:00Z',
    });
    await worker.waitFor('engine worker started', 60_000);
    expect(worker.output()).toContain('test clock in use');
    await worker.kill('SIGTERM');
  });
});
