import { DateTime } from 'luxon';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config.ts';
import { startEngineWorker } from '../../src/engine/worker.ts';
import type { MailDelivery } from '../../src/mail/delivery.ts';
import { SEND_CONCURRENCY } from '../../src/mail/send-batch.ts';
import { newId } from '../../src/store/ids.ts';
import { connectNew, definition } from '../engine/engine-fixtures.ts';
import { addSmtpMailbox, deliveryFor, type LoopbackSmtp, SELLER, startSmtp } from '../mail/mail-fixtures.ts';
import { dialects } from '../support/databases.ts';
import { createWorld, ORG_ID, type World } from '../support/world.ts';

/**
 * SPEC §6: an automated email's schedule is checked at the moment it is handed to SMTP. A batch is checked when it
 * is claimed, but its messages go out one after another per lane: when the SMTP server is slow, the window can
 * close while later messages of the batch are still waiting for their turn. Those wait for the next opening.
 */
const NY = 'America/New_York';
const ny = (iso: string) => DateTime.fromISO(iso, { zone: NY }).toMillis();

describe.each(dialects)('the schedule is checked at the SMTP hand-off on %s', (dialect) => {
  let world: World;
  let smtp: LoopbackSmtp;
  let engine: ReturnType<typeof startEngineWorker>;
  let mail: MailDelivery;
  /** The first 250 of the batch takes until after the window closed (a slow SMTP relay). */
  let slowUntil: number | null = null;
  beforeEach(async () => {
    world = await createWorld(dialect);
    await world.store.db
      .updateTable('orgs')
      .set({
        settings_json: JSON.stringify({
          timeZone: 'Europe/Warsaw',
          mailLimits: { dailyLimit: 500, hourlyLimit: 500, perDomainHourlyLimit: 500, minSpacingSeconds: 0 },
        }),
      })
      .where('id', '=', ORG_ID)
      .execute();
    smtp = await startSmtp();
    await addSmtpMailbox(world.store, SELLER, smtp.port, world.clock.now());
    engine = startEngineWorker(
      {
        store: world.store,
        clock: world.clock,
        logger: { debug() {}, info() {}, warn() {}, error() {} },
        config: testConfig({ databaseUrl: world.store.url }),
        workerId: 'handoff-engine',
      },
      { loop: false },
    );
    mail = deliveryFor(world.store, world.clock, {
      afterSmtp: () => {
        if (slowUntil !== null && world.clock.now() < slowUntil) world.clock.set(slowUntil);
      },
    });
  });
  afterEach(async () => {
    mail.close();
    await engine.stop();
    await smtp.close();
    await world.close();
  });

  it('a message whose turn comes after the window closed waits for the next opening instead of going at 17:00:30', async () => {
    const created = await world.as('eastAdmin', 'POST', '/api/schedules', {
      name: 'Office hours',
      zoneMode: { kind: 'recipient' },
      intervals: [1, 2, 3, 4, 5].map((day) => ({ day, from: '09:00', to: '17:00' })),
    });
    expect(created.statusCode, created.body).toBe(201);
    const templateId = newId(world.clock.now());
    await world.store.db
      .insertInto('email_templates')
      .values({
        org_id: ORG_ID,
        id: templateId,
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
    const def = definition({
      start: 'n0',
      nodes: [{ id: 'n0', kind: 'automated_email', name: 'Intro', templateId, next: null }],
      options: {
        exitOnReply: true,
        skipNonWorkingDays: false,
        sendWindow: null,
        scheduleId: created.json().id,
      },
    });
    world.clock.set(ny('2026-06-12T16:59'));
    // One more recipient than there are lanes: the last one's turn comes after the first 250.
    const count = SEND_CONCURRENCY + 1;
    for (let i = 0; i < count; i++) {
      await connectNew(
        world.store,
        def,
        { email: `buyer${i}@customer${i}.test`, time_zone: NY },
        world.clock.now(),
      );
    }
    await engine.drain();
    slowUntil = ny('2026-06-12T17:00:30');
    await mail.drain();
    expect(smtp.received).toHaveLength(count - 1);
    const outbox = await world.store.db
      .selectFrom('outbound_messages')
      .select(['status', 'not_before', 'hold_reason'])
      .where('org_id', '=', ORG_ID)
      .execute();
    const waiting = outbox.filter((m) => m.status !== 'sent');
    expect(waiting).toHaveLength(1);
    expect(waiting[0]?.status).toBe('queued');
    expect(DateTime.fromMillis(Number(waiting[0]?.not_before), { zone: NY }).toFormat('ccc HH:mm')).toBe(
      'Mon 09:00',
    );
    expect(waiting[0]?.hold_reason).toContain('goes at Mon 2026-06-15 09:00');

    world.clock.set(ny('2026-06-15T08:59'));
    await mail.drain();
    expect(smtp.received).toHaveLength(count - 1);
    world.clock.set(ny('2026-06-15T09:00'));
    await mail.drain();
    expect(smtp.received).toHaveLength(count);
  });
});
