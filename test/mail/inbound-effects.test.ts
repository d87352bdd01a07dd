import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MINUTE } from '../../src/engine/clock.ts';
import { classifyInbound } from '../../src/mail/classify/index.ts';
import { applyInbound } from '../../src/mail/inbound-effects.ts';
import { findMessage } from '../../src/store/repos/mail-repo.ts';
import { findSuppressions } from '../../src/store/repos/suppressions-repo.ts';
import { dialects } from '../support/databases.ts';
import { createWorld, ORG_ID, type World } from '../support/world.ts';
import {
  addSmtpMailbox,
  deliveryFor,
  type LoopbackSmtp,
  queueEmail,
  type Recipient,
  SELLER,
  scheduledEvents,
  seedSequence,
  startSmtp,
} from './mail-fixtures.ts';

describe.each(dialects)('effects of a classified inbound message on %s', (dialect) => {
  let world: World;
  let smtp: LoopbackSmtp;
  let lead: Recipient;
  let sentMessageId: string;

  beforeEach(async () => {
    world = await createWorld(dialect);
    smtp = await startSmtp();
    await addSmtpMailbox(world.store, SELLER, smtp.port, world.clock.now());
    const scenario = await seedSequence(world.store, world.clock.now());
    lead = await queueEmail(world.store, scenario, world.clock.now(), { email: 'ada@customer.test' });
    const delivery = deliveryFor(world.store, world.clock);
    await delivery.drain();
    delivery.close();
    sentMessageId = (await simpleParser(smtp.received[0]!.raw)).messageId as string;
    world.clock.advance(MINUTE);
  });
  afterEach(async () => {
    await smtp.close();
    await world.close();
  });

  const report = (type: string, body: string) =>
    [
      'From: Mail Delivery System <MAILER-DAEMON@mx.customer.test>',
      'To: sam@seller.test',
      'Subject: Undelivered Mail Returned to Sender',
      'MIME-Version: 1.0',
      `Content-Type: multipart/report; report-type=${type}; boundary="B"`,
      '',
      '--B',
      'Content-Type: text/plain',
      '',
      'Your message could not be delivered.',
      '--B',
      `Content-Type: message/${type}`,
      '',
      body,
      '--B',
      'Content-Type: text/rfc822-headers',
      '',
      `Message-ID: ${sentMessageId}`,
      'To: ada@customer.test',
      '--B--',
      '',
    ].join('\r\n');

  const apply = async (raw: string) => {
    const classification = await classifyInbound(raw);
    expect(classification.original.messageIds).toContain(sentMessageId);
    const message = (await findMessage(world.store.db, ORG_ID, lead.outboundId))!;
    return world.store.db.transaction().execute((trx) =>
      applyInbound(trx, message, classification, {
        inboundKey: '<in-1@customer.test>',
        from: 'MAILER-DAEMON@mx.customer.test',
        subject: 'x',
        snippet: '',
        now: world.clock.now(),
      }),
    );
  };
  const suppressed = async () => [
    ...(await findSuppressions(world.store.db, ORG_ID, ['ada@customer.test'])).values(),
  ];
  const timeline = async () =>
    (
      await world.store.db
        .selectFrom('timeline_events')
        .select('kind')
        .where('org_id', '=', ORG_ID)
        .where('record_id', '=', lead.recordId)
        .orderBy('occurred_at')
        .orderBy('id')
        .execute()
    ).map((row) => row.kind);

  it('a hard bounce ends the connection, suppresses the address once and shows on the outbox email', async () => {
    const dsn = report(
      'delivery-status',
      'Final-Recipient: rfc822; ada@customer.test\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 <ada@customer.test>: Recipient address rejected: User unknown',
    );
    expect(await apply(dsn)).toEqual({
      kind: 'bounce',
      duplicate: false,
      hard: true,
      status: '5.1.1',
      reason: 'userunknown',
    });
    expect(await apply(dsn)).toMatchObject({ kind: 'bounce', duplicate: true });
    expect(await scheduledEvents(world.store, lead.connectionId)).toEqual([
      { id: `mail:${lead.outboundId}:exit:bounced`, type: 'exit', reason: 'bounced' },
    ]);
    expect(await suppressed()).toMatchObject([
      { reason: 'hard_bounce', outbound_message_id: lead.outboundId },
    ]);
    const row = await findMessage(world.store.db, ORG_ID, lead.outboundId);
    expect(row?.last_error).toMatch(/^Bounced 5\.1\.1 userunknown/);
  });

  it('a soft final failure ends the connection but does not suppress; a delay is only a note', async () => {
    const delayed = report(
      'delivery-status',
      'Final-Recipient: rfc822; ada@customer.test\r\nAction: delayed\r\nStatus: 4.2.2',
    );
    expect(await apply(delayed)).toMatchObject({ kind: 'delay', status: '4.2.2' });
    expect(await scheduledEvents(world.store, lead.connectionId)).toEqual([]);
    world.clock.advance(MINUTE);
    const full = report(
      'delivery-status',
      'Final-Recipient: rfc822; ada@customer.test\r\nAction: failed\r\nStatus: 5.2.2\r\nDiagnostic-Code: smtp; 552 5.2.2 Mailbox full',
    );
    expect(await apply(full)).toMatchObject({ kind: 'bounce', hard: false, reason: 'mailboxfull' });
    expect((await scheduledEvents(world.store, lead.connectionId)).map((e) => e.reason)).toEqual(['bounced']);
    expect(await suppressed()).toEqual([]);
    expect(await timeline()).toEqual(['email_sent', 'email_delayed', 'email_bounced']);
  });

  it('a spam complaint sets do-not-email, ends the connection and suppresses the address', async () => {
    const arf = report(
      'feedback-report',
      'Feedback-Type: abuse\r\nUser-Agent: SomeISP/1.0\r\nVersion: 1\r\nOriginal-Rcpt-To: ada@customer.test',
    );
    expect(await apply(arf)).toEqual({ kind: 'complaint', duplicate: false, feedbackType: 'abuse' });
    const record = await world.store.db
      .selectFrom('records')
      .select('do_not_email')
      .where('org_id', '=', ORG_ID)
      .where('id', '=', lead.recordId)
      .executeTakeFirstOrThrow();
    expect(record.do_not_email).toBe(1);
    expect((await scheduledEvents(world.store, lead.connectionId)).map((e) => e.reason)).toEqual([
      'do_not_email',
    ]);
    expect(await suppressed()).toMatchObject([{ reason: 'complaint' }]);
  });
});
