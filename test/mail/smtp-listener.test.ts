import { randomBytes } from 'node:crypto';
import nodemailer from 'nodemailer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/engine/engine-deps.ts';
import { processInboundMime } from '../../src/mail/inbound.ts';
import { type InboundSmtpListener, startInboundSmtp } from '../../src/mail/smtp-listener.ts';
import { verpMessageId } from '../../src/mail/verp.ts';
import { dialects } from '../support/databases.ts';
import { createWorld, ORG_ID, type World } from '../support/world.ts';
import {
  addSmtpMailbox,
  deliveryFor,
  type LoopbackSmtp,
  queueEmail,
  type Recipient,
  SECRET_KEY,
  SELLER,
  seedSequence,
  startSmtp,
} from './mail-fixtures.ts';

const VERP = { domain: 'bounces.seller.test', localPart: 'bounces' };
const MAX_BYTES = 256 * 1024;

/** A bounce that names neither the original's Message-ID nor the recipient we sent to: only VERP can match it. */
const anonymousBounce = (to: string) =>
  [
    'From: Mail Delivery System <MAILER-DAEMON@mx.customer.test>',
    `To: ${to}`,
    'Subject: Undelivered Mail Returned to Sender',
    'Message-ID: <anon-bounce-1@mx.customer.test>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="B"',
    '',
    '--B',
    'Content-Type: text/plain',
    '',
    'Your message could not be delivered to one recipient.',
    '--B',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.customer.test',
    '',
    'Final-Recipient: rfc822; someone-else@customer.test',
    'Action: failed',
    'Status: 5.1.1',
    'Diagnostic-Code: smtp; 550 5.1.1 User unknown',
    '--B--',
    '',
  ].join('\r\n');

describe.each(dialects)('inbound SMTP listener on %s', (dialect) => {
  let world: World;
  let sink: LoopbackSmtp;
  let listener: InboundSmtpListener;
  let lead: Recipient;
  let verpAddress: string;

  beforeEach(async () => {
    world = await createWorld(dialect);
    sink = await startSmtp();
    await addSmtpMailbox(world.store, SELLER, sink.port, world.clock.now());
    const scenario = await seedSequence(world.store, world.clock.now());
    lead = await queueEmail(world.store, scenario, world.clock.now(), { email: 'ada@customer.test' });
    const delivery = deliveryFor(world.store, world.clock, {
      config: {
        secretKey: SECRET_KEY,
        publicUrl: 'http://localhost:3000',
        smtpUrl: undefined,
        outboundAllowList: ['127.0.0.1'],
        worker: { batchSize: 200, leaseMs: 60_000, pollMs: 1000 },
        verp: VERP,
      },
    });
    await delivery.drain();
    delivery.close();
    verpAddress = sink.received[0]!.from;
    listener = await startInboundSmtp({
      store: world.store,
      clock: world.clock,
      config: { secretKey: SECRET_KEY, inboundSmtp: { port: 0, host: '127.0.0.1', maxBytes: MAX_BYTES } },
      logger: silentLogger,
    });
  });
  afterEach(async () => {
    await listener.stop();
    await sink.close();
    await world.close();
  });

  const send = (to: string, raw: string | Buffer, from = '') =>
    nodemailer
      .createTransport({ host: '127.0.0.1', port: listener.port, secure: false, ignoreTLS: true })
      .sendMail({ envelope: { from, to: [to] }, raw });
  const kept = () =>
    world.store.db
      .selectFrom('inbound_messages')
      .selectAll()
      .where('org_id', '=', ORG_ID)
      .orderBy('id')
      .execute();

  it('sends each email with its own signed return path while the From stays the seller', async () => {
    expect(verpAddress).toMatch(/^bounces\+[0-9a-f]{32}-[0-9a-f]{16}@bounces\.seller\.test$/);
    expect(verpMessageId(SECRET_KEY, verpAddress)).toBe(lead.outboundId);
    expect(sink.received[0]!.raw.toString('utf8')).toMatch(/^From: Sam Seller <sam@seller\.test>/m);
  });

  it('matches a bounce by its VERP address first and acts once when the relay sends it twice', async () => {
    await send(verpAddress, anonymousBounce(verpAddress));
    await send(verpAddress, anonymousBounce(verpAddress));
    const row = await world.store.db
      .selectFrom('outbound_messages')
      .selectAll()
      .where('id', '=', lead.outboundId)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('bounced');
    expect(row.last_error).toMatch(/5\.1\.1/);
    const bounces = await world.store.db
      .selectFrom('engagement_events')
      .select('id')
      .where('type', '=', 'bounce')
      .execute();
    expect(bounces).toHaveLength(1);
    expect(await kept()).toMatchObject([
      {
        via: 'smtp',
        class: 'bounce',
        outcome: 'bounce',
        matched_by: 'verp',
        outbound_message_id: lead.outboundId,
      },
    ]);
  });

  it('notes a delay once when the relay hands the same notice over twice', async () => {
    const delay = anonymousBounce(verpAddress)
      .replace('Subject: Undelivered Mail Returned to Sender', 'Subject: Delayed Mail (still being retried)')
      .replace('Action: failed\r\nStatus: 5.1.1', 'Action: delayed\r\nStatus: 4.4.1')
      .replace('550 5.1.1 User unknown', '421 4.4.1 Connection timed out');
    // A relay that timed out waiting for our answer to DATA sends the message again.
    await send(verpAddress, delay);
    await send(verpAddress, delay);
    const notes = await world.store.db
      .selectFrom('timeline_events')
      .select('kind')
      .where('org_id', '=', ORG_ID)
      .where('record_id', '=', lead.recordId)
      .where('kind', '=', 'email_delayed')
      .execute();
    expect(notes).toHaveLength(1);
    const status = await world.store.db
      .selectFrom('outbound_messages')
      .select('status')
      .where('id', '=', lead.outboundId)
      .executeTakeFirstOrThrow();
    expect(status.status).toBe('sent');
  });

  it('refuses forged or altered tokens and unknown recipients at RCPT, and ignores a forged token in headers', async () => {
    const last = verpAddress.at(verpAddress.indexOf('@') - 1)!;
    const altered = verpAddress.replace(`${last}@`, `${last === 'a' ? 'b' : 'a'}@`);
    await expect(send(altered, anonymousBounce(altered))).rejects.toMatchObject({ responseCode: 550 });
    const otherId = `bounces+${'0'.repeat(32)}-${'1'.repeat(16)}@bounces.seller.test`;
    await expect(send(otherId, anonymousBounce(otherId))).rejects.toMatchObject({ responseCode: 550 });
    await expect(send('stranger@elsewhere.test', 'Subject: hi\r\n\r\nhi')).rejects.toMatchObject({
      responseCode: 550,
    });
    // Posted through another path with the altered token in To: nothing identifies the email, nothing happens.
    const outcome = await processInboundMime(world, anonymousBounce(altered), { orgId: ORG_ID });
    expect(outcome).toMatchObject({ kind: 'unmatched' });
    // A valid token only counts inside its own organisation.
    const elsewhere = await processInboundMime(world, anonymousBounce(verpAddress), { orgId: 'org-2' });
    expect(elsewhere).toMatchObject({ kind: 'unmatched' });
    const status = await world.store.db
      .selectFrom('outbound_messages')
      .select('status')
      .where('id', '=', lead.outboundId)
      .executeTakeFirstOrThrow();
    expect(status.status).toBe('sent');
  });

  it('takes a reply to the seller, keeps binary junk without crashing and refuses oversized mail with 552', async () => {
    const sentId = /^message-id:\s*(\S+)/im.exec(sink.received[0]!.raw.toString('utf8'))![1]!;
    await send(
      'sam@seller.test',
      [
        'From: Ada <ada@customer.test>',
        'To: sam@seller.test',
        'Subject: Re: hello',
        'Message-ID: <ada-reply-1@customer.test>',
        `In-Reply-To: ${sentId}`,
        '',
        'Sounds good, call me.',
        '',
      ].join('\r\n'),
      'ada@customer.test',
    );
    const junk = Buffer.concat([
      randomBytes(4000),
      Buffer.from('\r\n\u0000\u0000--x\r\n'),
      randomBytes(4000),
    ]);
    await send(verpAddress, junk);
    await expect(send(verpAddress, Buffer.alloc(MAX_BYTES * 2, 'a'))).rejects.toMatchObject({
      responseCode: 552,
    });
    const rows = await kept();
    expect(rows.map((row) => [row.class, row.outcome, row.matched_by])).toEqual([
      ['reply', 'reply', 'references'],
      [expect.any(String), expect.any(String), 'verp'],
    ]);
    // Kept raw as it arrived (SMTP may have normalised line endings on the way).
    expect(Buffer.from(rows[1]!.raw_base64, 'base64').length).toBe(rows[1]!.size_bytes);
    expect(rows[1]!.size_bytes).toBeGreaterThanOrEqual(junk.length);
    // Still serving after the junk.
    await send('sam@seller.test', 'Subject: still there\r\n\r\nhello', 'x@customer.test');
  });

  it('stops cleanly: no more connections after stop()', async () => {
    const port = listener.port;
    await listener.stop();
    await expect(
      nodemailer
        .createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, connectionTimeout: 2000 })
        .sendMail({ envelope: { from: '', to: ['sam@seller.test'] }, raw: 'Subject: x\r\n\r\nx' }),
    ).rejects.toMatchObject({ code: expect.stringMatching(/ECONNECTION|ESOCKET/) });
    listener = { port, stop: async () => {} };
  });
});
