import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAY } from '../../src/engine/clock.ts';
import { sweepInboundMessages } from '../../src/mail/inbound-log.ts';
import { dialects } from '../support/databases.ts';
import { createWorld, type World } from '../support/world.ts';
import {
  addSmtpMailbox,
  deliveryFor,
  inboundSecretFor,
  type LoopbackSmtp,
  queueEmail,
  type Recipient,
  SELLER,
  seedSequence,
  startSmtp,
} from './mail-fixtures.ts';

interface Listed {
  items: Array<{
    id: string;
    class: string;
    outcome: string;
    matchedBy: string | null;
    outboundMessageId: string | null;
    from: string | null;
    via: string;
    reason: string | null;
  }>;
  nextCursor: string | null;
}

describe.each(dialects)('inbound message log on %s', (dialect) => {
  let world: World;
  let smtp: LoopbackSmtp;
  let lead: Recipient;
  let sentId: string;
  let secret: string;

  beforeEach(async () => {
    world = await createWorld(dialect);
    smtp = await startSmtp();
    await addSmtpMailbox(world.store, SELLER, smtp.port, world.clock.now());
    const scenario = await seedSequence(world.store, world.clock.now());
    lead = await queueEmail(world.store, scenario, world.clock.now(), { email: 'ada@customer.test' });
    const delivery = deliveryFor(world.store, world.clock);
    await delivery.drain();
    delivery.close();
    sentId = /^message-id:\s*(\S+)/im.exec(smtp.received[0]!.raw.toString('utf8'))![1]!;
    secret = await inboundSecretFor(world);
  });
  afterEach(async () => {
    await smtp.close();
    await world.close();
  });

  const post = (raw: string | Buffer) =>
    world.app.inject({
      method: 'POST',
      url: '/api/inbound/mime',
      headers: { 'content-type': 'message/rfc822', 'x-stepwise-inbound-secret': secret },
      payload: raw,
    });
  const reply = (n: number) =>
    [
      'From: Ada <ada@customer.test>',
      'To: sam@seller.test',
      'Subject: Re: hello <script>alert(1)</script>',
      `Message-ID: <log-reply-${n}@customer.test>`,
      `In-Reply-To: ${sentId}`,
      '',
      'Yes please. <img src=x onerror=alert(1)>',
      '',
    ].join('\r\n');

  it('keeps every message once with class, match and source, for admins only', async () => {
    expect((await post(reply(1))).json()).toMatchObject({ kind: 'reply' });
    expect((await post(reply(1))).json()).toMatchObject({ kind: 'reply', duplicate: true });
    expect((await post(Buffer.from([0, 1, 2, 255, 254, 10, 13, 0]))).statusCode).toBe(200);
    const auto = [
      'From: Bob <bob@elsewhere.test>',
      'To: sam@seller.test',
      'Subject: Out of office',
      'Auto-Submitted: auto-replied',
      'Message-ID: <log-auto-1@elsewhere.test>',
      '',
      'I am away.',
      '',
    ].join('\r\n');
    expect((await post(auto)).json()).toMatchObject({ kind: 'unmatched' });

    const listed = (await world.as('eastAdmin', 'GET', '/api/inbound/messages')).json() as Listed;
    expect(listed.items.map((item) => [item.class, item.outcome, item.matchedBy])).toEqual([
      ['auto_reply', 'unmatched', null],
      ['other', 'unmatched', null],
      ['reply', 'reply', 'references'],
    ]);
    expect(listed.items[2]).toMatchObject({ outboundMessageId: lead.outboundId, via: 'http' });
    const onlyReplies = (
      await world.as('eastAdmin', 'GET', '/api/inbound/messages?class=reply')
    ).json() as Listed;
    expect(onlyReplies.items).toHaveLength(1);
    const byFrom = (await world.as('eastAdmin', 'GET', '/api/inbound/messages?search=bob@')).json() as Listed;
    expect(byFrom.items.map((item) => item.from)).toEqual(['bob@elsewhere.test']);

    const detail = await world.as('eastAdmin', 'GET', `/api/inbound/messages/${listed.items[2]!.id}`);
    expect(detail.headers['content-type']).toMatch(/application\/json/);
    expect(detail.json().source).toContain('<img src=x onerror=alert(1)>');
    expect(detail.json().sourceTruncated).toBe(false);

    expect((await world.as('eastSeller', 'GET', '/api/inbound/messages')).statusCode).toBe(403);
    expect(
      (await world.as('eastSeller', 'GET', `/api/inbound/messages/${listed.items[2]!.id}`)).statusCode,
    ).toBe(403);
  });

  it('forgets messages after 30 days', async () => {
    expect((await post(reply(1))).statusCode).toBe(200);
    world.clock.advance(20 * DAY);
    expect((await post(reply(2))).statusCode).toBe(200);
    world.clock.advance(11 * DAY);
    expect(await sweepInboundMessages(world.store.db, world.clock.now())).toBe(1);
    const kept = () => world.store.db.selectFrom('inbound_messages').select('message_id').execute();
    expect(await kept()).toEqual([{ message_id: '<log-reply-2@customer.test>' }]);
    world.clock.advance(20 * DAY);
    expect(await sweepInboundMessages(world.store.db, world.clock.now())).toBe(1);
    expect(await kept()).toEqual([]);
  });
});
