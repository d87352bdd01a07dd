import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MINUTE } from '../../src/engine/clock.ts';
import { buildRawMessage } from '../../src/mail/transport.ts';
import { dialects } from '../support/databases.ts';
import { deliveryReport } from '../support/delivery-report.ts';
import { createWorld, ORG_ID, type World } from '../support/world.ts';
import {
  addSmtpMailbox,
  deliveryFor,
  inboundSecretFor,
  type LoopbackSmtp,
  queueEmail,
  type Recipient,
  SELLER,
  scheduledEvents,
  seedSequence,
  startSmtp,
} from './mail-fixtures.ts';

const BROWSER =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15';

describe.each(dialects)('replies, auto-replies, bounces, unsubscribes and tracking on %s', (dialect) => {
  let world: World;
  let smtp: LoopbackSmtp;
  let lead: Recipient;
  let sent: Awaited<ReturnType<typeof simpleParser>>;

  let orgSecret = '';
  beforeEach(async () => {
    world = await createWorld(dialect);
    smtp = await startSmtp();
    await addSmtpMailbox(world.store, SELLER, smtp.port, world.clock.now());
    const scenario = await seedSequence(world.store, world.clock.now());
    lead = await queueEmail(world.store, scenario, world.clock.now(), { email: 'ada@customer.test' });
    const delivery = deliveryFor(world.store, world.clock);
    await delivery.drain();
    delivery.close();
    sent = await simpleParser(smtp.received[0]!.raw);
    orgSecret = await inboundSecretFor(world);
  });
  afterEach(async () => {
    await smtp.close();
    await world.close();
  });

  const postMime = (raw: Buffer | string, secret = orgSecret) =>
    world.app.inject({
      method: 'POST',
      url: '/api/inbound/mime',
      headers: { 'content-type': 'message/rfc822', 'x-stepwise-inbound-secret': secret },
      payload: raw,
    });

  const timelineKinds = async () =>
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

  const replyTo = (extra: { subject?: string; headers?: Record<string, string>; messageId: string }) =>
    buildRawMessage({
      from: 'Ada Lovelace <ada@customer.test>',
      to: 'sam@seller.test',
      subject: extra.subject ?? `Re: ${sent.subject}`,
      text: 'Sounds good, call me on Tuesday.\n\nOn Mon, Sam wrote:\n> Hi Ada',
      messageId: extra.messageId,
      inReplyTo: sent.messageId,
      references: [sent.messageId as string],
      headers: extra.headers ?? {},
    });

  it('a reply matched by In-Reply-To reaches the engine exactly once and shows on the timeline', async () => {
    world.clock.advance(30 * MINUTE);
    const raw = await replyTo({ messageId: '<reply-1@customer.test>' });
    const first = await postMime(raw);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ kind: 'reply', outboundMessageId: lead.outboundId, duplicate: false });
    const again = await postMime(raw);
    expect(again.json()).toMatchObject({ kind: 'reply', duplicate: true });

    const events = await scheduledEvents(world.store, lead.connectionId);
    expect(events).toEqual([
      {
        id: `mail:${lead.outboundId}:replied`,
        type: 'email_result',
        nodeId: 'n1',
        result: 'replied',
        at: expect.any(Number),
      },
    ]);
    expect(await timelineKinds()).toEqual(['email_sent', 'email_replied']);

    const wrongSecret = await postMime(raw, 'nope');
    expect(wrongSecret.statusCode).toBe(401);
    const anonymous = await world.app.inject({
      method: 'POST',
      url: '/api/inbound/mime',
      headers: { 'content-type': 'message/rfc822' },
      payload: raw,
    });
    expect(anonymous.statusCode).toBe(401);
  });

  it('an out-of-office reply is recorded but does not count as a reply', async () => {
    world.clock.advance(MINUTE);
    const polish = await replyTo({
      messageId: '<ooo-1@customer.test>',
      subject: `Automatyczna odpowiedź: ${sent.subject}`,
    });
    expect((await postMime(polish)).json()).toMatchObject({ kind: 'auto_reply' });
    const rfc3834 = await replyTo({
      messageId: '<ooo-2@customer.test>',
      subject: `Re: ${sent.subject}`,
      headers: { 'Auto-Submitted': 'auto-replied' },
    });
    expect((await postMime(rfc3834)).json()).toMatchObject({
      kind: 'auto_reply',
      reason: 'Auto-Submitted: auto-replied',
    });
    expect(await scheduledEvents(world.store, lead.connectionId)).toEqual([]);
    expect(await timelineKinds()).toEqual(['email_sent', 'email_auto_reply', 'email_auto_reply']);
  });

  it('a DSN hard bounce stops the connection and suppresses the address; a delay is only a note', async () => {
    world.clock.advance(MINUTE);
    const dsn = (status: string, action: 'failed' | 'delayed', reportId: string) =>
      deliveryReport({
        reportId,
        messageId: String(sent.messageId),
        subject: String(sent.subject),
        status,
        action,
      });
    expect((await postMime(dsn('4.2.0', 'delayed', 'd1'))).json()).toMatchObject({
      kind: 'delay',
      status: '4.2.0',
    });
    expect(await scheduledEvents(world.store, lead.connectionId)).toEqual([]);
    expect((await postMime(dsn('5.1.1', 'failed', 'd2'))).json()).toMatchObject({
      kind: 'bounce',
      hard: true,
      status: '5.1.1',
    });
    expect((await postMime(dsn('5.1.1', 'failed', 'd3'))).json()).toMatchObject({
      kind: 'bounce',
      duplicate: true,
    });
    expect(await scheduledEvents(world.store, lead.connectionId)).toEqual([
      { id: `mail:${lead.outboundId}:exit:bounced`, type: 'exit', reason: 'bounced' },
    ]);
    expect(await timelineKinds()).toEqual(['email_sent', 'email_delayed', 'email_bounced']);
    const suppressed = await world.store.db
      .selectFrom('suppressions')
      .select(['address', 'reason'])
      .where('org_id', '=', ORG_ID)
      .execute();
    expect(suppressed).toEqual([{ address: 'ada@customer.test', reason: 'hard_bounce' }]);
  });

  it('a plain-text bounce that carries In-Reply-To is a bounce, never a reply', async () => {
    world.clock.advance(MINUTE);
    const qmail = [
      'From: MAILER-DAEMON@mx.customer.test',
      'To: sam@seller.test',
      'Subject: failure notice',
      `In-Reply-To: ${sent.messageId}`,
      'Message-ID: <qmail-1@mx.customer.test>',
      '',
      'Hi. This is the qmail-send program at mx.customer.test.',
      "I'm afraid I wasn't able to deliver your message to the following addresses.",
      "This is a permanent error; I've given up. Sorry it didn't work out.",
      '',
      '<ada@customer.test>:',
      'Remote host said: 550 5.1.1 <ada@customer.test>... User Unknown',
      '',
      '--- Below this line is a copy of the message.',
      '',
      `Message-ID: ${sent.messageId}`,
      'To: ada@customer.test',
      '',
    ].join('\r\n');
    expect((await postMime(qmail)).json()).toMatchObject({
      kind: 'bounce',
      hard: true,
      status: '5.1.1',
      reason: 'userunknown',
    });
    const events = await scheduledEvents(world.store, lead.connectionId);
    expect(events.map((event) => [event.type, event.reason ?? event.result])).toEqual([['exit', 'bounced']]);
    expect(await timelineKinds()).toEqual(['email_sent', 'email_bounced']);
  });

  it('one-click unsubscribe (RFC 8058) sets do-not-email and ends the connection', async () => {
    world.clock.advance(MINUTE);
    const header = sent.headerLines.find((line) => line.key === 'list-unsubscribe')!.line;
    const url = new URL(header.replace(/^[^<]*<|>.*$/g, ''));
    const page = await world.app.inject({ method: 'GET', url: url.pathname });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<button');
    let record = await world.store.db
      .selectFrom('records')
      .select('do_not_email')
      .where('id', '=', lead.recordId)
      .executeTakeFirstOrThrow();
    expect(record.do_not_email).toBe(0); // looking at the page changes nothing

    const oneClick = await world.app.inject({
      method: 'POST',
      url: url.pathname,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    });
    expect(oneClick.statusCode).toBe(200);
    record = await world.store.db
      .selectFrom('records')
      .select('do_not_email')
      .where('id', '=', lead.recordId)
      .executeTakeFirstOrThrow();
    expect(record.do_not_email).toBe(1);
    expect(await scheduledEvents(world.store, lead.connectionId)).toEqual([
      { id: `mail:${lead.outboundId}:exit:unsubscribed`, type: 'exit', reason: 'unsubscribed' },
    ]);
    expect(await timelineKinds()).toEqual(['email_sent', 'email_unsubscribed']);
    // The address is suppressed for the organisation, so clearing the record's flag does not bring emails back.
    const suppressed = await world.as('eastAdmin', 'GET', '/api/suppressions?search=ada%40customer.test');
    expect(suppressed.json().items).toMatchObject([{ address: 'ada@customer.test', reason: 'unsubscribe' }]);
    const forged = await world.app.inject({ method: 'POST', url: `${url.pathname}x`, payload: {} });
    expect(forged.statusCode).toBe(404);
  });

  it('opens and clicks: proxies and instant fetches are flagged machine-made and not handed to the engine', async () => {
    const html = String(sent.html);
    const pixel = new URL(html.match(/<img src="([^"]+\/t\/o\/[^"]+)"/)![1]!);
    const click = new URL(html.match(/href="([^"]+\/t\/c\/[^"]+)"/)![1]!.replaceAll('&amp;', '&'));

    world.clock.advance(2000);
    const proxy = await world.app.inject({
      method: 'GET',
      url: pixel.pathname,
      headers: { 'user-agent': BROWSER },
    });
    expect(proxy.statusCode).toBe(200);
    expect(proxy.headers['content-type']).toBe('image/gif');
    const google = await world.app.inject({
      method: 'GET',
      url: pixel.pathname,
      headers: {
        'user-agent':
          'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)',
      },
    });
    expect(google.statusCode).toBe(200);
    expect(await scheduledEvents(world.store, lead.connectionId)).toEqual([]);

    world.clock.advance(5 * MINUTE);
    await world.app.inject({ method: 'GET', url: pixel.pathname, headers: { 'user-agent': BROWSER } });
    world.clock.advance(1000);
    const redirect = await world.app.inject({
      method: 'GET',
      url: click.pathname,
      headers: { 'user-agent': BROWSER },
    });
    expect(redirect.statusCode).toBe(302);
    expect(redirect.headers.location).toBe('https://example.com/pricing?x=1&y=2');
    const tampered = await world.app.inject({ method: 'GET', url: `${click.pathname.slice(0, -3)}abc` });
    expect(tampered.statusCode).toBe(404);

    const opens = await world.store.db
      .selectFrom('engagement_events')
      .select(['type', 'machine'])
      .where('outbound_message_id', '=', lead.outboundId)
      .orderBy('id')
      .execute();
    // The two machine fetches in the same minute are one stored open.
    expect(opens).toEqual(
      [
        { type: 'open', machine: 1 },
        { type: 'open', machine: 0 },
        { type: 'click', machine: 0 },
      ].map((row) => expect.objectContaining(row)),
    );
    const events = await scheduledEvents(world.store, lead.connectionId);
    expect(events.map((event) => event.result).sort()).toEqual(['link_clicked', 'opened']);
  });
});
