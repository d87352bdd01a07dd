import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HOUR, MINUTE } from '../../src/engine/clock.ts';
import type { MailDelivery } from '../../src/mail/delivery.ts';
import { notificationTick } from '../../src/mail/notification-worker.ts';
import { insertNotification } from '../../src/store/repos/notifications-repo.ts';
import type { NotificationKind } from '../../src/store/schema.ts';
import { T0 } from '../engine/engine-fixtures.ts';
import { dialects } from '../support/databases.ts';
import { createWorld, ORG_ID, USERS, type World } from '../support/world.ts';
import {
  addSmtpMailbox,
  deliveryFor,
  type LoopbackSmtp,
  PUBLIC_URL,
  SELLER,
  startSmtp,
} from './mail-fixtures.ts';

/**
 * The email digest: a seller chooses which notifications also arrive by email and how often; the worker sends one
 * email per period over SMTP with every not-yet-mailed notification of those kinds — once, with two workers
 * checking at the same moment and after a restart.
 */
describe.each(dialects)('notification digest on %s', (dialect) => {
  let world: World;
  let smtp: LoopbackSmtp;
  let mail: MailDelivery;
  beforeEach(async () => {
    world = await createWorld(dialect);
    world.clock.set(T0);
    smtp = await startSmtp();
    await addSmtpMailbox(world.store, SELLER, smtp.port, T0);
    mail = deliveryFor(world.store, world.clock);
  });
  afterEach(async () => {
    mail.close();
    await smtp.close();
    await world.close();
  });

  const tick = () =>
    notificationTick({ store: world.store, clock: world.clock, config: { publicUrl: PUBLIC_URL } });

  async function notify(userId: string, kind: NotificationKind, summary: string) {
    await insertNotification(world.store.db, {
      orgId: ORG_ID,
      userId,
      kind,
      recordId: null,
      summary,
      data: {},
      now: world.clock.now(),
    });
  }

  async function received() {
    return Promise.all(smtp.received.map((item) => simpleParser(item.raw)));
  }

  it('hourly: one email per hour with the chosen kinds, once across two workers and a restart', async () => {
    const saved = await world.as('eastSeller', 'PUT', '/api/notification-settings', {
      kinds: ['reply', 'step_overdue'],
      frequency: 'hourly',
      dailyHour: 8,
    });
    expect(saved.json()).toEqual({ kinds: ['reply', 'step_overdue'], frequency: 'hourly', dailyHour: 8 });
    expect((await world.as('eastSeller', 'GET', '/api/notification-settings')).json()).toMatchObject({
      frequency: 'hourly',
    });
    world.clock.advance(10 * MINUTE);
    await notify(SELLER, 'reply', 'Ada Lovelace replied: Hello Ada');
    await notify(SELLER, 'step_overdue', 'Overdue: Call for Jan Kowalski');
    await notify(SELLER, 'bounce', 'Email to Ewa bounced');
    await notify(USERS.eastSeller2.id, 'reply', 'Not for the first seller');

    // Same hour: nothing yet.
    expect((await tick()).digests).toBe(0);
    world.clock.set(T0 + HOUR + MINUTE);
    const [a, b] = await Promise.all([tick(), tick()]);
    expect(a.digests + b.digests).toBe(1);
    expect((await tick()).digests).toBe(0); // a restarted worker finds the period done
    await mail.drain();
    const [digest, ...others] = await received();
    expect(others).toEqual([]);
    expect(digest?.to).toMatchObject({ text: USERS.eastSeller.email });
    expect(digest?.subject).toBe('Stepwise: 2 notifications');
    expect(digest?.html).toContain('Ada Lovelace replied: Hello Ada');
    expect(digest?.html).toContain('Overdue: Call for Jan Kowalski');
    expect(digest?.html).not.toContain('bounced');

    // The digest went through the outbox and kept the server's 250 answer.
    const row = await world.store.db
      .selectFrom('outbound_messages')
      .select(['id', 'status', 'smtp_response'])
      .where('idempotency_key', 'like', 'digest:%')
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('sent');
    expect(row.smtp_response).toMatch(/^250 /);
    const activity = (await world.as('eastSeller', 'GET', `/api/outbox/${row.id}/activity`)).json();
    expect(activity.smtpResponse).toBe(row.smtp_response);

    // A later notification goes in the next hour's email, alone.
    await notify(SELLER, 'reply', 'Grace Hopper replied: Hi');
    expect((await tick()).digests).toBe(0);
    world.clock.set(T0 + 2 * HOUR + MINUTE);
    expect((await tick()).digests).toBe(1);
    await mail.drain();
    const second = (await received())[1];
    expect(second?.subject).toBe('Stepwise: 1 notification');
    expect(second?.html).toContain('Grace Hopper');
    expect(second?.html).not.toContain('Ada Lovelace');
  });

  it('daily at a local hour in the user’s zone, in the user’s language; off sends nothing', async () => {
    await world.store.db
      .updateTable('users')
      .set({ time_zone: 'America/New_York', locale: 'pl' })
      .where('id', '=', SELLER)
      .execute();
    // T0 is 09:00 UTC = 04:00 in New York.
    await world.as('eastSeller', 'PUT', '/api/notification-settings', {
      kinds: ['reply'],
      frequency: 'daily',
      dailyHour: 8,
    });
    await world.as('eastSeller2', 'PUT', '/api/notification-settings', {
      kinds: ['reply'],
      frequency: 'off',
      dailyHour: 8,
    });
    world.clock.advance(MINUTE);
    await notify(SELLER, 'reply', 'Ada Lovelace replied');
    await notify(SELLER, 'reply', 'Grace Hopper replied');
    await notify(USERS.eastSeller2.id, 'reply', 'Nobody mails this');
    world.clock.set(T0 + 4 * HOUR - MINUTE); // 07:59 in New York
    expect((await tick()).digests).toBe(0);
    world.clock.set(T0 + 4 * HOUR); // 08:00 in New York
    expect((await tick()).digests).toBe(1);
    await mail.drain();
    const [digest, ...others] = await received();
    expect(others).toEqual([]);
    expect(digest?.subject).toBe('Stepwise: 2 powiadomienia');
    expect(digest?.html).toContain('Odpowiedź');
    world.clock.set(T0 + 20 * HOUR); // later the same local day
    expect((await tick()).digests).toBe(0);
  });

  it('daily for a user without a zone of their own: the hour is read on the organisation’s clock, not UTC', async () => {
    // The organisation is on Warsaw time; T0 is 09:00 UTC = 10:00 in Warsaw.
    await world.store.db.updateTable('users').set({ time_zone: null }).where('id', '=', SELLER).execute();
    await world.as('eastSeller', 'PUT', '/api/notification-settings', {
      kinds: ['reply'],
      frequency: 'daily',
      dailyHour: 11,
    });
    world.clock.advance(MINUTE);
    await notify(SELLER, 'reply', 'Ada Lovelace replied');
    world.clock.set(T0 + HOUR - MINUTE); // 10:59 in Warsaw
    expect((await tick()).digests).toBe(0);
    world.clock.set(T0 + HOUR); // 11:00 in Warsaw (10:00 UTC)
    expect((await tick()).digests).toBe(1);
    world.clock.set(T0 + 2 * HOUR); // 11:00 UTC: the same local day, nothing more
    expect((await tick()).digests).toBe(0);
  });
});
