import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config.ts';
import { DAY, HOUR, MINUTE } from '../../src/engine/clock.ts';
import { silentLogger } from '../../src/engine/engine-deps.ts';
import { raiseOverdueNotices } from '../../src/engine/overdue-notices.ts';
import { type EngineWorker, startEngineWorker } from '../../src/engine/worker.ts';
import type { MailDelivery } from '../../src/mail/delivery.ts';
import { newId } from '../../src/store/ids.ts';
import { connectNew, definition, stepsOf, T0 } from '../engine/engine-fixtures.ts';
import { dialects } from '../support/databases.ts';
import { deliveryReport } from '../support/delivery-report.ts';
import { createWorld, ORG_ID, USERS, type World, type WorldUserKey } from '../support/world.ts';
import {
  addSmtpMailbox,
  deliveryFor,
  inboundSecretFor,
  type LoopbackSmtp,
  SELLER,
  startSmtp,
} from './mail-fixtures.ts';

/**
 * The bell tells a seller that an email of theirs bounced, that a manual step became theirs (the sequence reached
 * it, or a colleague handed it over) and that a step of theirs is overdue — each fact once, however often it is
 * reported or checked, and by however many workers.
 */
describe.each(dialects)('notification kinds on %s', (dialect) => {
  let world: World;
  let smtp: LoopbackSmtp;
  let engine: EngineWorker;
  let mail: MailDelivery;
  beforeEach(async () => {
    world = await createWorld(dialect);
    world.clock.set(T0);
    smtp = await startSmtp();
    await addSmtpMailbox(world.store, SELLER, smtp.port, T0);
    engine = startEngineWorker(
      {
        store: world.store,
        clock: world.clock,
        logger: silentLogger,
        config: testConfig({ databaseUrl: world.store.url }),
        workerId: 'notify-kinds',
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

  async function notificationsOf(user: WorldUserKey) {
    const list = (await world.as(user, 'GET', '/api/notifications')).json();
    return list as { unread: number; items: { kind: string; summary: string; recordId: string | null }[] };
  }

  it('a bounce tells the sender once, however many reports arrive', async () => {
    const templateId = newId(T0);
    await world.store.db
      .insertInto('email_templates')
      .values({
        org_id: ORG_ID,
        id: templateId,
        name: 'Intro',
        language: 'en',
        subject: 'Hello {{ record.first_name }}',
        body_html: '<p>Hi {{ record.first_name }}.</p>',
        body_text: null,
        record_type: 'lead',
        owner_id: null,
        builtin: 0,
        created_at: T0,
        updated_at: T0,
      })
      .execute();
    const def = definition({
      start: 'a1',
      nodes: [{ id: 'a1', kind: 'automated_email', name: 'Intro', templateId, next: null }],
    });
    await connectNew(world.store, def, {
      email: 'ada@customer.test',
      first_name: 'Ada',
      name: 'Ada Lovelace',
    });
    await engine.drain();
    await mail.drain();
    const sent = await simpleParser(smtp.received[0]!.raw);
    world.clock.advance(MINUTE);
    const dsn = (reportId: string) =>
      deliveryReport({ reportId, messageId: String(sent.messageId), subject: String(sent.subject) });
    const url = `/api/inbound/mime?secret=${encodeURIComponent(await inboundSecretFor(world))}`;
    for (const id of ['b1', 'b2']) {
      const posted = await world.app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'message/rfc822' },
        payload: dsn(id),
      });
      expect(posted.json()).toMatchObject({ kind: 'bounce' });
    }
    const mine = await notificationsOf('eastSeller');
    expect(mine.items.filter((item) => item.kind === 'bounce')).toHaveLength(1);
    const bounce = mine.items.find((item) => item.kind === 'bounce');
    expect(bounce?.summary).toContain('Ada Lovelace');
    expect(bounce?.summary).toContain('5.1.1');
    expect((await notificationsOf('eastSeller2')).unread).toBe(0);
  });

  it('a step the sequence makes due, and one a colleague assigns, tell the new owner once', async () => {
    const def = definition({
      start: 'wait',
      nodes: [
        { id: 'wait', kind: 'wait', days: 1, hours: 0, next: 'call' },
        { id: 'call', kind: 'phone_call', next: null },
      ],
    });
    const { connectionId } = await connectNew(world.store, def, { name: 'Jan Kowalski' });
    await engine.drain();
    // Connecting it herself is not news to the seller (read from the table: a session would expire overnight).
    const stored = await world.store.db.selectFrom('notifications').select('kind').execute();
    expect(stored).toEqual([]);

    world.clock.advance(DAY + MINUTE);
    await engine.drain();
    await engine.drain();
    const mine = await notificationsOf('eastSeller');
    expect(mine.items.map((item) => item.kind)).toEqual(['step_assigned']);
    expect(mine.items[0]?.summary).toContain('Jan Kowalski');

    const call = (await stepsOf(world.store, connectionId)).find((step) => step.node_id === 'call');
    const assigned = await world.as('eastSeller', 'POST', `/api/steps/${call?.id}/assign`, {
      userId: USERS.eastSeller2.id,
    });
    expect(assigned.statusCode).toBe(200);
    const theirs = await notificationsOf('eastSeller2');
    expect(theirs.items.map((item) => item.kind)).toEqual(['step_assigned']);
    expect(theirs.items[0]?.summary).toContain('assigned to you');
    // The one who handed it over is not told about their own action.
    expect((await notificationsOf('eastSeller')).items).toHaveLength(1);
  });

  it('an overdue step is raised once by the worker check, also with two workers at once', async () => {
    const def = definition({ start: 'call', nodes: [{ id: 'call', kind: 'phone_call', next: null }] });
    await connectNew(world.store, def, { name: 'Ewa Nowak' });
    await engine.drain();
    const before = (await notificationsOf('eastSeller')).items.length;
    expect(await raiseOverdueNotices(world.store.db, world.clock.now())).toBe(0);

    world.clock.advance(HOUR);
    const [first, second] = await Promise.all([
      raiseOverdueNotices(world.store.db, world.clock.now()),
      raiseOverdueNotices(world.store.db, world.clock.now()),
    ]);
    expect(first + second).toBe(1);
    world.clock.advance(HOUR);
    expect(await raiseOverdueNotices(world.store.db, world.clock.now())).toBe(0);
    const overdue = (await notificationsOf('eastSeller')).items.filter(
      (item) => item.kind === 'step_overdue',
    );
    expect(overdue).toHaveLength(1);
    expect(overdue[0]?.summary).toContain('Ewa Nowak');
    expect((await notificationsOf('eastSeller')).items).toHaveLength(before + 1);
  });

  it('a step snoozed after it was announced overdue is announced again when the snooze runs out', async () => {
    const def = definition({ start: 'call', nodes: [{ id: 'call', kind: 'phone_call', next: null }] });
    const { connectionId } = await connectNew(world.store, def, { name: 'Olga Later' });
    await engine.drain();
    // Read from the table: a day on, the test session has expired.
    const overdueNotices = () =>
      world.store.db
        .selectFrom('notifications')
        .select('summary')
        .where('org_id', '=', ORG_ID)
        .where('user_id', '=', USERS.eastSeller.id)
        .where('kind', '=', 'step_overdue')
        .execute();
    world.clock.advance(HOUR);
    expect(await raiseOverdueNotices(world.store.db, world.clock.now())).toBe(1);
    const [step] = (await stepsOf(world.store, connectionId)).filter((s) => s.status === 'due');
    const snoozed = await world.as('eastSeller', 'POST', `/api/steps/${step?.id}/snooze`, {
      until: world.clock.now() + DAY,
    });
    expect(snoozed.statusCode, snoozed.body).toBe(200);
    await engine.drain();
    // Snoozed: not overdue any more, nothing new to say.
    world.clock.advance(HOUR);
    expect(await raiseOverdueNotices(world.store.db, world.clock.now())).toBe(0);
    // The snooze ran out and the step is overdue again: the seller is told again, once.
    world.clock.advance(DAY);
    expect(await raiseOverdueNotices(world.store.db, world.clock.now())).toBe(1);
    expect(await raiseOverdueNotices(world.store.db, world.clock.now())).toBe(0);
    expect((await overdueNotices()).map((n) => n.summary)).toEqual([
      expect.stringContaining('Olga Later'),
      expect.stringContaining('Olga Later'),
    ]);
  });
});
