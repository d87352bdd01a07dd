import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock, MINUTE } from '../../src/engine/clock.ts';
import type { Store } from '../../src/store/db.ts';
import { dialects, freshStore } from '../support/databases.ts';
import { ORG_ID, seedWorld } from '../support/world.ts';
import {
  addSmtpMailbox,
  deliveryFor,
  type LoopbackSmtp,
  queueEmail,
  SELLER,
  scheduledEvents,
  seedSequence,
  startSmtp,
} from './mail-fixtures.ts';

describe.each(dialects)('email delivery on %s', (dialect) => {
  let store: Store;
  let clock: FakeClock;
  let smtp: LoopbackSmtp;

  beforeEach(async () => {
    store = await freshStore(dialect);
    clock = new FakeClock();
    await seedWorld(store, clock.now());
    smtp = await startSmtp();
    await addSmtpMailbox(store, SELLER, smtp.port, clock.now());
  });
  afterEach(async () => {
    await smtp.close();
    await store.close();
  });

  const message = (id: string) =>
    store.db
      .selectFrom('outbound_messages')
      .selectAll()
      .where('org_id', '=', ORG_ID)
      .where('id', '=', id)
      .executeTakeFirstOrThrow();

  it('sends an automated email once, with Message-ID, one-click unsubscribe, From and the rendered body', async () => {
    const scenario = await seedSequence(store, clock.now());
    const lead = await queueEmail(store, scenario, clock.now(), { email: 'ada@customer.test' });
    const delivery = deliveryFor(store, clock);
    try {
      const stats = await delivery.drain();
      expect(stats.sent).toBe(1);
      await delivery.drain();
    } finally {
      delivery.close();
    }
    expect(smtp.received).toHaveLength(1);
    const received = smtp.received[0]!;
    expect(received.user).toBe('sam');
    expect(received.to).toEqual(['ada@customer.test']);
    const mail = await simpleParser(received.raw);
    expect(mail.messageId).toBe(`<${lead.outboundId}@stepwise.local>`);
    expect(mail.from?.value[0]).toMatchObject({ address: 'sam@seller.test', name: 'Sam Seller' });
    expect(mail.subject).toBe('Quick question, Ada');
    const header = (name: string) =>
      mail.headerLines.find((line) => line.key === name)?.line.replace(/^[^:]+:\s*/, '');
    expect(header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    const listUnsubscribe = header('list-unsubscribe')?.replace(/^<|>$/g, '');
    expect(listUnsubscribe).toMatch(/^http:\/\/localhost:3000\/u\/[\w-]+\.[\w-]+$/);
    expect(mail.text).toContain('Hi Ada,');
    expect(mail.text).toContain('our pricing (https://example.com/pricing?x=1&y=2)');
    expect(mail.html).toContain('/t/c/');
    expect(mail.html).not.toContain('href="https://example.com/pricing');
    expect(mail.html).toMatch(/<img src="http:\/\/localhost:3000\/t\/o\/[\w.-]+\.gif"/);

    const row = await message(lead.outboundId);
    expect(row.status).toBe('sent');
    expect(row.subject).toBe('Quick question, Ada');
    expect(row.sent_at).toBe(clock.now());
    const timeline = await store.db
      .selectFrom('timeline_events')
      .selectAll()
      .where('record_id', '=', lead.recordId)
      .execute();
    expect(timeline.map((t) => t.kind)).toEqual(['email_sent']);
  });

  it('leaves out the pixel and click links when the sequence turns tracking off', async () => {
    const scenario = await seedSequence(store, clock.now(), { trackOpens: false, trackClicks: false });
    await queueEmail(store, scenario, clock.now());
    const delivery = deliveryFor(store, clock);
    await delivery.drain();
    delivery.close();
    const mail = await simpleParser(smtp.received[0]!.raw);
    expect(mail.html).toContain('href="https://example.com/pricing?x=1&amp;y=2"');
    expect(mail.html).not.toContain('/t/o/');
  });

  it('holds a message with an unfilled placeholder, with its reason, and never sends it', async () => {
    const scenario = await seedSequence(store, clock.now());
    const lead = await queueEmail(store, scenario, clock.now(), { firstName: null });
    const delivery = deliveryFor(store, clock);
    await delivery.drain();
    clock.advance(60 * MINUTE);
    await delivery.drain();
    delivery.close();
    expect(smtp.received).toHaveLength(0);
    const row = await message(lead.outboundId);
    expect(row.status).toBe('held');
    expect(row.hold_reason).toContain('record.first_name');
    const timeline = await store.db
      .selectFrom('timeline_events')
      .selectAll()
      .where('record_id', '=', lead.recordId)
      .execute();
    expect(timeline.map((t) => t.kind)).toEqual(['email_held']);
  });

  it('retries a temporary 4xx failure with back-off and fails a 5xx with the server reason', async () => {
    const scenario = await seedSequence(store, clock.now());
    const lead = await queueEmail(store, scenario, clock.now());
    smtp.rejectNext(451, 'Try again later');
    const delivery = deliveryFor(store, clock);
    expect((await delivery.drain()).retried).toBe(1);
    let row = await message(lead.outboundId);
    expect(row).toMatchObject({ status: 'queued', attempts: 1, not_before: clock.now() + MINUTE });
    expect(row.hold_reason).toContain('Try again later');
    await delivery.drain();
    expect(smtp.received).toHaveLength(0);
    clock.advance(MINUTE);
    expect((await delivery.drain()).sent).toBe(1);
    expect(smtp.received).toHaveLength(1);

    const bad = await queueEmail(store, scenario, clock.now());
    smtp.rejectNext(550, 'No such user here');
    clock.advance(MINUTE);
    expect((await delivery.drain()).failed).toBe(1);
    delivery.close();
    row = await message(bad.outboundId);
    expect(row.status).toBe('failed');
    expect(row.last_error).toContain('No such user here');
    const events = await scheduledEvents(store, bad.connectionId);
    expect(events).toEqual([
      expect.objectContaining({ type: 'email_failed', nodeId: 'n1', reason: expect.stringContaining('550') }),
    ]);
  });

  it('after a crash between sending and sent, resends only that window, with the same Message-ID', async () => {
    const scenario = await seedSequence(store, clock.now());
    const leads = [
      await queueEmail(store, scenario, clock.now()),
      await queueEmail(store, scenario, clock.now()),
      await queueEmail(store, scenario, clock.now()),
    ];
    // Spacing lets one message go per drain; the worker is killed right after the SMTP exchange.
    const crashing = deliveryFor(store, clock, {
      afterSmtp: () => {
        throw new Error('worker killed');
      },
    });
    await expect(crashing.drain()).rejects.toThrow('worker killed');
    crashing.close();
    expect(smtp.received).toHaveLength(1);
    const stuck = (
      await store.db.selectFrom('outbound_messages').selectAll().where('status', '=', 'sending').execute()
    ).map((row) => row.id);
    expect(stuck).toHaveLength(1);

    const restarted = deliveryFor(store, clock);
    await restarted.drain();
    expect(smtp.received).toHaveLength(1); // the lease has not expired yet: nobody touches it
    for (let minute = 0; minute < 5; minute++) {
      clock.advance(MINUTE);
      await restarted.drain();
    }
    restarted.close();
    const ids = await Promise.all(
      smtp.received.map(async (mail) => (await simpleParser(mail.raw)).messageId),
    );
    const expected = leads.map((lead) => `<${lead.outboundId}@stepwise.local>`);
    expect(ids.sort()).toEqual([...expected, `<${stuck[0]}@stepwise.local>`].sort());
    const statuses = await store.db.selectFrom('outbound_messages').select('status').execute();
    expect(statuses.map((row) => row.status)).toEqual(['sent', 'sent', 'sent']);
  });
});
