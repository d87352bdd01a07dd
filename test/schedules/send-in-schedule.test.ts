import { DateTime } from 'luxon';
import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config.ts';
import { MINUTE } from '../../src/engine/clock.ts';
import { pauseConnection, resumeConnection } from '../../src/engine/connect.ts';
import { startEngineWorker } from '../../src/engine/worker.ts';
import type { MailDelivery } from '../../src/mail/delivery.ts';
import { newId } from '../../src/store/ids.ts';
import type { RecordsTable } from '../../src/store/schema.ts';
import { connectNew, definition } from '../engine/engine-fixtures.ts';
import { addSmtpMailbox, deliveryFor, type LoopbackSmtp, SELLER, startSmtp } from '../mail/mail-fixtures.ts';
import { dialects } from '../support/databases.ts';
import { createWorld, ORG_ID, type World } from '../support/world.ts';

/**
 * Issue 13 scenarios through the real engine, mail delivery and a loopback SMTP sink: an automated email is
 * handed to SMTP only inside its schedule, whoever is about to send it.
 */
const NY = 'America/New_York';
const ny = (iso: string) => DateTime.fromISO(iso, { zone: NY }).toMillis();
const weekdays = (from: string, to: string) => [1, 2, 3, 4, 5].map((day) => ({ day, from, to }));

describe.each(dialects)('automated emails go only inside their schedule on %s', (dialect) => {
  let world: World;
  let smtp: LoopbackSmtp;
  let engine: ReturnType<typeof startEngineWorker>;
  let mail: MailDelivery;
  beforeEach(async () => {
    world = await createWorld(dialect);
    world.clock.set(ny('2026-06-01T08:00'));
    smtp = await startSmtp();
    await addSmtpMailbox(world.store, SELLER, smtp.port, world.clock.now());
    engine = startEngineWorker(
      {
        store: world.store,
        clock: world.clock,
        logger: { debug() {}, info() {}, warn() {}, error() {} },
        config: testConfig({ databaseUrl: world.store.url }),
        workerId: 'schedule-engine',
      },
      { loop: false },
    );
    mail = deliveryFor(world.store, world.clock);
  });
  afterEach(async () => {
    mail.close();
    await engine.stop();
    await smtp.close();
    await world.close();
  });

  async function createSchedule(body: Record<string, unknown>): Promise<string> {
    const response = await world.as('eastAdmin', 'POST', '/api/schedules', {
      zoneMode: { kind: 'recipient' },
      intervals: weekdays('09:00', '17:00'),
      ...body,
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json().id;
  }

  async function template(): Promise<string> {
    const id = newId(world.clock.now());
    await world.store.db
      .insertInto('email_templates')
      .values({
        org_id: ORG_ID,
        id,
        name: 'Intro',
        language: 'en',
        subject: 'Hello {{ record.first_name }}',
        body_html: '<p>Hi {{ record.first_name }}</p>',
        body_text: null,
        record_type: 'lead',
        owner_id: null,
        builtin: 0,
        created_at: 0,
        updated_at: 0,
      })
      .execute();
    return id;
  }

  async function connect(
    nodes: (templateId: string) => unknown[],
    scheduleId: string | null,
    record: Partial<RecordsTable> = { time_zone: NY },
  ) {
    const templateId = await template();
    const def = definition({
      start: 'n0',
      nodes: nodes(templateId),
      options: { exitOnReply: true, skipNonWorkingDays: false, sendWindow: null, scheduleId },
    });
    return connectNew(world.store, def, { email: 'ada@customer.test', ...record }, world.clock.now());
  }
  const oneEmail = (templateId: string) => [
    { id: 'n0', kind: 'automated_email', name: 'Intro', templateId, next: null },
  ];

  /** Moves the clock, lets the engine and the delivery loop run, returns the local times of what SMTP got. */
  async function runAt(iso: string): Promise<string[]> {
    world.clock.set(ny(iso));
    await engine.drain();
    await mail.drain();
    return sentTimes();
  }
  async function sentTimes(): Promise<string[]> {
    const times: string[] = [];
    for (const received of smtp.received) {
      const parsed = await simpleParser(received.raw);
      times.push(DateTime.fromJSDate(parsed.date as Date, { zone: NY }).toFormat('ccc yyyy-MM-dd HH:mm'));
    }
    return times;
  }
  const outbox = () =>
    world.store.db.selectFrom('outbound_messages').selectAll().where('org_id', '=', ORG_ID).execute();

  it('an email that misses Friday’s window goes Monday 09:00 (recipient’s time), not Saturday', async () => {
    const scheduleId = await createSchedule({ name: 'Office hours' });
    world.clock.set(ny('2026-06-12T17:30'));
    await connect(oneEmail, scheduleId);
    expect(await runAt('2026-06-12T17:30')).toEqual([]);
    const [held] = await outbox();
    expect(held?.hold_reason).toBe(
      'outside the schedule "Office hours"; goes at Mon 2026-06-15 09:00 (recipient\'s time, America/New_York)',
    );
    expect(await runAt('2026-06-13T09:00')).toEqual([]);
    expect(await runAt('2026-06-15T08:59')).toEqual([]);
    expect(await runAt('2026-06-15T09:00')).toEqual(['Mon 2026-06-15 09:00']);
    expect(await runAt('2026-06-16T09:00')).toHaveLength(1);
  });

  it('a public holiday of the schedule’s country is skipped (Labor Day), and so is an organisation date', async () => {
    const scheduleId = await createSchedule({
      name: 'US office',
      holidays: { dates: ['2026-09-08'], country: 'US', region: null },
    });
    world.clock.set(ny('2026-09-04T18:00'));
    await connect(oneEmail, scheduleId);
    expect(await runAt('2026-09-04T18:00')).toEqual([]);
    expect(await runAt('2026-09-07T09:00')).toEqual([]);
    expect(await runAt('2026-09-08T09:00')).toEqual([]);
    expect(await runAt('2026-09-09T09:00')).toEqual(['Wed 2026-09-09 09:00']);
  });

  it('the organisation’s default schedule applies to sequences that pick none; a worker outage until 20:00 waits for the next morning', async () => {
    await createSchedule({ name: 'Default hours', isDefault: true });
    world.clock.set(ny('2026-06-10T16:50'));
    await connect(oneEmail, null);
    await engine.drain(); // queued at 16:50, inside the window, but the delivery worker is down until 20:00
    expect(await runAt('2026-06-10T20:00')).toEqual([]);
    expect((await outbox())[0]?.hold_reason).toContain('goes at Thu 2026-06-11 09:00');
    expect(await runAt('2026-06-11T09:00')).toEqual(['Thu 2026-06-11 09:00']);
  });

  it('after a pause and a resume at 20:00 local time the email waits for the next morning', async () => {
    const scheduleId = await createSchedule({ name: 'Office hours' });
    world.clock.set(ny('2026-06-10T10:00'));
    const { connectionId } = await connect(
      (templateId) => [
        { id: 'n0', kind: 'wait', name: 'Wait', days: 0, hours: 1, next: 'n1' },
        { id: 'n1', kind: 'automated_email', name: 'Intro', templateId, next: null },
      ],
      scheduleId,
    );
    await runAt('2026-06-10T10:00');
    await pauseConnection(world.store.db, { orgId: ORG_ID, connectionId, now: ny('2026-06-10T10:30') });
    expect(await runAt('2026-06-10T11:30')).toEqual([]);
    world.clock.set(ny('2026-06-10T20:00'));
    await resumeConnection(world.store.db, { orgId: ORG_ID, connectionId, now: world.clock.now() });
    expect(await runAt('2026-06-10T20:00')).toEqual([]);
    expect(await outbox()).toHaveLength(1);
    expect(await runAt('2026-06-11T09:00')).toEqual(['Thu 2026-06-11 09:00']);
  });

  it('a mailbox limit never pushes an email past the window’s end: it goes at the next open slot', async () => {
    await world.store.db
      .updateTable('orgs')
      .set({
        settings_json: JSON.stringify({
          timeZone: 'Europe/Warsaw',
          mailLimits: { dailyLimit: 100, hourlyLimit: 1, perDomainHourlyLimit: 100, minSpacingSeconds: 0 },
        }),
      })
      .where('id', '=', ORG_ID)
      .execute();
    const scheduleId = await createSchedule({ name: 'Office hours' });
    world.clock.set(ny('2026-06-12T16:30'));
    await connect(oneEmail, scheduleId);
    await connect(oneEmail, scheduleId, { time_zone: NY, email: 'bob@customer.test' });
    expect(await runAt('2026-06-12T16:30')).toEqual(['Fri 2026-06-12 16:30']);
    const held = (await outbox()).find((m) => m.status === 'queued');
    expect(DateTime.fromMillis(held?.not_before ?? 0, { zone: NY }).toFormat('ccc HH:mm')).toBe('Mon 09:00');
    expect(await runAt('2026-06-12T17:31')).toHaveLength(1);
    expect(await runAt('2026-06-15T09:00')).toEqual(['Fri 2026-06-12 16:30', 'Mon 2026-06-15 09:00']);
  });

  it('a record without a zone is read in the zone inferred from its country (Poland → Europe/Warsaw)', async () => {
    const scheduleId = await createSchedule({ name: 'Office hours' });
    // 08:30 in Warsaw is 02:30 in New York; the seller's zone (Warsaw) is not used because the record says PL.
    world.clock.set(DateTime.fromISO('2026-06-10T08:30', { zone: 'Europe/Warsaw' }).toMillis());
    await connect(oneEmail, scheduleId, {
      time_zone: null,
      custom_json: JSON.stringify({ country: 'Poland' }),
    });
    await engine.drain();
    await mail.drain();
    expect((await outbox())[0]?.hold_reason).toContain(
      "Wed 2026-06-10 09:00 (recipient's time, Europe/Warsaw)",
    );
    world.clock.advance(30 * MINUTE);
    await mail.drain();
    expect(smtp.received).toHaveLength(1);
  });
});
