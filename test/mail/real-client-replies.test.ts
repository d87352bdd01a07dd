import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config.ts';
import { HOUR, MINUTE } from '../../src/engine/clock.ts';
import { silentLogger } from '../../src/engine/engine-deps.ts';
import { startEngineWorker } from '../../src/engine/worker.ts';
import { type InboundSmtpListener, startInboundSmtp } from '../../src/mail/smtp-listener.ts';
import { connectNew, definition, T0 } from '../engine/engine-fixtures.ts';
import { dialects } from '../support/databases.ts';
import { createWorld, ORG_ID, type World } from '../support/world.ts';
import {
  addSmtpMailbox,
  deliveryFor,
  type LoopbackSmtp,
  SECRET_KEY,
  SELLER,
  startSmtp,
} from './mail-fixtures.ts';

/**
 * Replies as real mail clients and autoresponders write them, handed to the inbound SMTP listener the way the
 * seller's MX relays them (RCPT TO the seller's address): each one must end (or not end) the right connection.
 */

const SUBJECT = 'Vacation rentals for {{ record.first_name }}';

type Connected = { connectionId: string; recordId: string; subject: string; messageId: string };

describe.each(dialects)('replies as real mail clients send them, on %s', (dialect) => {
  let world: World;
  let sink: LoopbackSmtp;
  let listener: InboundSmtpListener;
  beforeEach(async () => {
    world = await createWorld(dialect);
    world.clock.set(T0);
    sink = await startSmtp();
    await addSmtpMailbox(world.store, SELLER, sink.port, T0);
    listener = await startInboundSmtp({
      store: world.store,
      clock: world.clock,
      config: { secretKey: SECRET_KEY, inboundSmtp: { port: 0, host: '127.0.0.1', maxBytes: 1024 * 1024 } },
      logger: silentLogger,
    });
  });
  afterEach(async () => {
    await listener.stop();
    await sink.close();
    await world.close();
  });

  const sendTo = (...addresses: string[]) => sendWithSubject(SUBJECT, ...addresses);

  /** Connects one lead per address to a sequence (email, then a task; exit on reply) and sends the emails. */
  async function sendWithSubject(subject: string, ...addresses: string[]): Promise<Connected[]> {
    const { store, clock } = world;
    await store.db
      .insertInto('email_templates')
      .values({
        org_id: ORG_ID,
        id: 'tpl-replies',
        name: 'Intro',
        language: 'en',
        subject,
        body_html: '<p>Hi {{ record.first_name }}, shall we talk?</p>',
        body_text: null,
        record_type: 'lead',
        owner_id: null,
        builtin: 0,
        created_at: T0,
        updated_at: T0,
      })
      .execute();
    const def = definition({
      start: 'n1',
      nodes: [
        { id: 'n1', kind: 'automated_email', name: 'Intro', templateId: 'tpl-replies', next: 't1' },
        { id: 't1', kind: 'task', name: 'Follow up', next: null },
      ],
      options: {
        exitOnReply: true,
        skipNonWorkingDays: false,
        sendWindow: null,
        trackOpens: false,
        trackClicks: false,
      },
    });
    const connected = [];
    for (const [index, email] of addresses.entries()) {
      const firstName = ['Ada', 'Bob', 'Cleo', 'Dan'][index] ?? 'Eve';
      connected.push(await connectNew(store, def, { email, first_name: firstName, owner_id: SELLER }, T0));
    }
    await drainEngine();
    const mail = deliveryFor(store, clock);
    try {
      // The mailbox spaces its sends: let the clock move on between rounds.
      for (let round = 0; round < addresses.length + 1; round++) {
        await mail.drain();
        clock.advance(MINUTE);
      }
    } finally {
      mail.close();
    }
    expect(sink.received).toHaveLength(addresses.length);
    const parsed = await Promise.all(sink.received.map((item) => simpleParser(item.raw)));
    return connected.map((connection, index) => {
      const email = parsed.find((p) => p.to && !Array.isArray(p.to) && p.to.text === addresses[index]);
      return {
        ...connection,
        subject: email?.subject ?? '',
        messageId: email?.messageId ?? '',
      };
    });
  }

  async function drainEngine(): Promise<void> {
    const engine = startEngineWorker(
      {
        store: world.store,
        clock: world.clock,
        logger: silentLogger,
        config: testConfig({ databaseUrl: world.store.url }),
        workerId: 'replies-engine',
      },
      { loop: false },
    );
    try {
      await engine.drain();
    } finally {
      await engine.stop();
    }
  }

  /** Hands a message to the listener as the seller's MX would. */
  async function deliver(lines: string[], envelopeFrom = 'ada@customer.test'): Promise<void> {
    world.clock.advance(HOUR);
    await nodemailer
      .createTransport({ host: '127.0.0.1', port: listener.port, secure: false, ignoreTLS: true })
      .sendMail({ envelope: { from: envelopeFrom, to: ['sam@seller.test'] }, raw: lines.join('\r\n') });
  }

  const connection = (id: string) =>
    world.store.db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const engagements = (recordId: string) =>
    world.store.db
      .selectFrom('engagement_events')
      .select(['type', 'data_json'])
      .where('org_id', '=', ORG_ID)
      .where('record_id', '=', recordId)
      .orderBy('id')
      .execute();

  it('takes a reply whose client dropped In-Reply-To and References, or that answers a Message-ID rewritten on the way out', async () => {
    const [ada, bob, cleo] = await sendTo('ada@customer.test', 'bob@customer.test', 'cleo@customer.test');
    // Outlook: no In-Reply-To, no References, only Thread-Topic; the original quoted under its header block.
    await deliver([
      'From: Ada Lovelace <ada@customer.test>',
      'To: Sam Seller <sam@seller.test>',
      `Subject: RE: ${ada!.subject}`,
      'Message-ID: <AM0PR01MB5678@eurprd01.prod.outlook.com>',
      `Thread-Topic: ${ada!.subject}`,
      'Thread-Index: AQHZabcdEFGH',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset="us-ascii"',
      '',
      'Yes, call me tomorrow.',
      '',
      '________________________________',
      'From: Sam Seller <sam@seller.test>',
      'Sent: Monday, January 5, 2026 9:00 AM',
      'To: Ada Lovelace <ada@customer.test>',
      `Subject: ${ada!.subject}`,
      '',
      'Hi Ada, shall we talk?',
      '',
    ]);
    // The seller's provider gave our email its own Message-ID; Bob's reply names that one (German Outlook).
    await deliver(
      [
        'From: Bob <bob@customer.test>',
        'To: sam@seller.test',
        `Subject: AW: ${bob!.subject}`,
        'Message-ID: <bob-reply-1@customer.test>',
        'In-Reply-To: <0100018c1f2e3d4c-rewritten-000000@email.amazonses.com>',
        'References: <0100018c1f2e3d4c-rewritten-000000@email.amazonses.com>',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Gerne, rufen Sie mich an.',
        '',
        'Von: Sam Seller <sam@seller.test>',
        'Gesendet: Montag, 5. Januar 2026 09:00',
        'An: Bob <bob@customer.test>',
        `Betreff: ${bob!.subject}`,
        '',
      ],
      'bob@customer.test',
    );
    await drainEngine();
    expect(await connection(ada!.connectionId)).toMatchObject({ reason: 'replied' });
    expect(await connection(bob!.connectionId)).toMatchObject({ reason: 'replied' });
    expect((await connection(cleo!.connectionId)).status).toBe('active');
    // The timeline shows what they wrote, not the quoted header block of our email.
    const snippet = async (recordId: string) =>
      JSON.parse((await engagements(recordId)).find((e) => e.type === 'reply')!.data_json).snippet;
    expect(await snippet(ada!.recordId)).toBe('Yes, call me tomorrow.');
    expect(await snippet(bob!.recordId)).toBe('Gerne, rufen Sie mich an.');
    const kept = await world.store.db
      .selectFrom('inbound_messages')
      .select('matched_by')
      .where('org_id', '=', ORG_ID)
      .execute();
    expect(kept.map((row) => row.matched_by)).toEqual(['sender', 'sender']);

    // Mail from the same person about something else (another subject, no references) is not a reply to us.
    await deliver(
      [
        'From: Cleo <cleo@customer.test>',
        'To: sam@seller.test',
        'Subject: Our newsletter, December',
        'Message-ID: <news-1@customer.test>',
        'Content-Type: text/plain',
        '',
        'Hello everyone.',
        '',
      ],
      'cleo@customer.test',
    );
    await drainEngine();
    expect((await connection(cleo!.connectionId)).status).toBe('active');
  });

  it('counts a reply to an email whose subject reads like an out-of-office notice as a reply', async () => {
    const [ada, bob] = await sendTo('ada@customer.test', 'bob@customer.test');
    expect(ada!.subject).toBe('Vacation rentals for Ada');
    await deliver([
      'From: Ada Lovelace <ada@customer.test>',
      'To: Sam Seller <sam@seller.test>',
      `Subject: Re: ${ada!.subject}`,
      'Message-ID: <CAgmail-reply-1@mail.gmail.com>',
      `In-Reply-To: ${ada!.messageId}`,
      `References: ${ada!.messageId}`,
      'Content-Type: text/plain; charset="UTF-8"',
      '',
      'Sounds good, let us talk on Thursday.',
      '',
      'On Mon, 5 Jan 2026 at 09:00, Sam Seller <sam@seller.test> wrote:',
      '> Hi Ada, shall we talk?',
      '',
    ]);
    // Bob's autoresponder puts its own words before our subject: still an automatic reply.
    await deliver(
      [
        'From: Bob <bob@customer.test>',
        'To: sam@seller.test',
        `Subject: Out of office: ${bob!.subject}`,
        'Message-ID: <bob-ooo-1@customer.test>',
        `In-Reply-To: ${bob!.messageId}`,
        'Content-Type: text/plain',
        '',
        'I am away until Monday.',
        '',
      ],
      'bob@customer.test',
    );
    await drainEngine();
    expect(await connection(ada!.connectionId)).toMatchObject({ reason: 'replied' });
    expect((await connection(bob!.connectionId)).status).toBe('active');
    expect((await engagements(ada!.recordId)).map((e) => e.type)).toEqual(['reply']);
    expect((await engagements(bob!.recordId)).map((e) => e.type)).toEqual(['auto_reply']);
  });

  it('keeps the sequence going after Polish, German and French out-of-office replies without Auto-Submitted', async () => {
    const [ada, bob, cleo] = await sendTo('ada@customer.test', 'bob@customer.test', 'cleo@customer.test');
    await deliver([
      'From: Ada <ada@customer.test>',
      'To: sam@seller.test',
      `Subject: =?UTF-8?Q?Odpowied=C5=BA_automatyczna:_${ada!.subject.replaceAll(' ', '_')}?=`,
      'Message-ID: <ooo-pl@customer.test>',
      `In-Reply-To: ${ada!.messageId}`,
      'Content-Type: text/plain; charset=ISO-8859-2',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'Dzie=F1 dobry, jestem na urlopie do 12 stycznia.',
      '',
    ]);
    await deliver(
      [
        'From: Bob <bob@customer.test>',
        'To: sam@seller.test',
        'Subject: Ich bin im Urlaub',
        'Message-ID: <ooo-de@customer.test>',
        `In-Reply-To: ${bob!.messageId}`,
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Vielen Dank für Ihre Nachricht. Ich bin bis zum 12. Januar nicht im Haus.',
        '',
      ],
      'bob@customer.test',
    );
    await deliver(
      [
        'From: Cleo <cleo@customer.test>',
        'To: sam@seller.test',
        "Subject: Message d'absence",
        'Message-ID: <ooo-fr@customer.test>',
        `In-Reply-To: ${cleo!.messageId}`,
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Bonjour, je suis en congés jusqu’au 12 janvier.',
        '',
      ],
      'cleo@customer.test',
    );
    await drainEngine();
    for (const lead of [ada!, bob!, cleo!]) {
      expect((await connection(lead.connectionId)).status).toBe('active');
      expect((await engagements(lead.recordId)).map((e) => e.type)).toEqual(['auto_reply']);
    }
  });

  it('shows a reply to a forward of our email in the thread of that email, and stops only that connection', async () => {
    const [ada, bob] = await sendTo('ada@customer.test', 'bob@customer.test');
    // Ada forwarded our email to a colleague, who answers the seller from the forward (Apple Mail).
    await deliver(
      [
        'From: Zoe <zoe@customer.test>',
        'To: sam@seller.test',
        'Cc: ada@customer.test',
        `Subject: Re: Fwd: ${ada!.subject}`,
        'Message-Id: <zoe-1@customer.test>',
        'In-Reply-To: <ada-forward-1@customer.test>',
        `References: ${ada!.messageId} <ada-forward-1@customer.test>`,
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Ada passed this on to me: I run procurement, let us talk.',
        '',
        '> Begin forwarded message:',
        '',
      ],
      'zoe@customer.test',
    );
    await drainEngine();
    expect(await connection(ada!.connectionId)).toMatchObject({ reason: 'replied' });
    expect((await connection(bob!.connectionId)).status).toBe('active');
    const conversation = await world.as('eastSeller', 'GET', `/api/records/${ada!.recordId}/conversation`);
    const threads = conversation.json().threads as Array<{
      items: Array<{ kind: string; from: string | null }>;
    }>;
    expect(threads).toHaveLength(1);
    expect(threads[0]!.items.map((item) => [item.kind, item.from])).toEqual([
      ['sent', 'east.seller'],
      ['reply', 'zoe@customer.test'],
    ]);
  });

  it('reads the null return path of the SMTP envelope like a mailbox’s Return-Path: autoresponders and odd bounces', async () => {
    const [ada, bob, cleo] = await sendTo('ada@customer.test', 'bob@customer.test', 'cleo@customer.test');
    // A hosted autoresponder: no Auto-Submitted, our subject, sent with the null return path (RFC 3834).
    await deliver(
      [
        'From: Ada <ada@customer.test>',
        'To: sam@seller.test',
        `Subject: Re: ${ada!.subject}`,
        'Message-ID: <ada-autoresponder@customer.test>',
        `In-Reply-To: ${ada!.messageId}`,
        'Content-Type: text/plain',
        '',
        'Thank you for your email. I am out of the office until 12 January with limited access to email.',
        '',
      ],
      '',
    );
    // A company's own mail gateway, writing as its IT team rather than MAILER-DAEMON, from the null return path.
    await deliver(
      [
        'From: Customer IT <it@customer.test>',
        'To: sam@seller.test',
        `Subject: Your message to bob@customer.test`,
        'Message-ID: <gw-1@customer.test>',
        'Content-Type: text/plain',
        '',
        'Your message could not be delivered to bob@customer.test: user unknown.',
        '',
        `Message-ID: ${bob!.messageId}`,
        `Subject: ${bob!.subject}`,
        '',
      ],
      '',
    );
    await drainEngine();
    expect((await connection(ada!.connectionId)).status).toBe('active');
    expect((await engagements(ada!.recordId)).map((e) => e.type)).toEqual(['auto_reply']);
    expect(await connection(bob!.connectionId)).toMatchObject({ reason: 'bounced' });
    expect((await engagements(bob!.recordId)).map((e) => e.type)).toEqual(['bounce']);
    expect((await connection(cleo!.connectionId)).status).toBe('active');
  });

  it('does not take a read receipt for a reply', async () => {
    const [ada, bob] = await sendTo('ada@customer.test', 'bob@customer.test');
    // Outlook: "Read: <subject>", no In-Reply-To; the report names our Message-ID.
    await deliver([
      'From: Ada Lovelace <ada@customer.test>',
      'To: Sam Seller <sam@seller.test>',
      `Subject: Read: ${ada!.subject}`,
      'Message-ID: <read-1@customer.test>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=disposition-notification; boundary="R"',
      '',
      '--R',
      'Content-Type: text/plain; charset=us-ascii',
      '',
      'Your message',
      '',
      `Subject: ${ada!.subject}`,
      '',
      'was read on Monday, January 5, 2026 10:00:00 AM (UTC).',
      '--R',
      'Content-Type: message/disposition-notification',
      '',
      'Reporting-UA: customer.test; Microsoft Outlook 16.0',
      'Final-Recipient: rfc822;ada@customer.test',
      `Original-Message-ID: ${ada!.messageId}`,
      'Disposition: manual-action/MDN-sent-manually; displayed',
      '',
      '--R--',
      '',
    ]);
    // Thunderbird: "Return Receipt (displayed)", threaded under our email.
    await deliver(
      [
        'From: Bob <bob@customer.test>',
        'To: sam@seller.test',
        `Subject: Return Receipt (displayed) - ${bob!.subject}`,
        'Message-ID: <read-2@customer.test>',
        `In-Reply-To: ${bob!.messageId}`,
        `References: ${bob!.messageId}`,
        'MIME-Version: 1.0',
        'Content-Type: multipart/report; report-type="disposition-notification"; boundary="R"',
        '',
        '--R',
        'Content-Type: text/plain; charset=UTF-8',
        '',
        'This is a Return Receipt for the mail that you sent to bob@customer.test.',
        '--R',
        'Content-Type: message/disposition-notification; name="MDNPart2.txt"',
        '',
        'Reporting-UA: customer.test; Thunderbird 115',
        'Final-Recipient: rfc822;bob@customer.test',
        `Original-Message-ID: ${bob!.messageId}`,
        'Disposition: manual-action/MDN-sent-manually; displayed',
        '--R--',
        '',
      ],
      'bob@customer.test',
    );
    await drainEngine();
    for (const lead of [ada!, bob!]) {
      expect((await connection(lead.connectionId)).status).toBe('active');
      expect(await engagements(lead.recordId)).toEqual([]);
    }
  });

  it('counts a reply to an email about undelivered parcels as a reply, not as a bounce', async () => {
    const [ada, bob] = await sendWithSubject(
      'Cut undelivered parcels by 30%, {{ record.first_name }}',
      'ada@customer.test',
      'bob@customer.test',
    );
    await deliver([
      'From: Ada Lovelace <ada@customer.test>',
      'To: Sam Seller <sam@seller.test>',
      `Subject: Re: ${ada!.subject}`,
      'Message-ID: <ada-parcels@customer.test>',
      `In-Reply-To: ${ada!.messageId}`,
      `References: ${ada!.messageId}`,
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Yes please: too many of our parcels are not delivered on time. Call me on Thursday.',
      '',
    ]);
    // A real failure about the same email is still a bounce.
    await deliver(
      [
        'From: Mail Delivery System <MAILER-DAEMON@mx.customer.test>',
        'To: sam@seller.test',
        `Subject: Undeliverable: ${bob!.subject}`,
        'Message-ID: <ndr-parcels@mx.customer.test>',
        'Content-Type: text/plain',
        '',
        'Your message could not be delivered to bob@customer.test: 550 5.1.1 user unknown.',
        '',
        `Message-ID: ${bob!.messageId}`,
        '',
      ],
      '',
    );
    await drainEngine();
    expect(await connection(ada!.connectionId)).toMatchObject({ reason: 'replied' });
    expect((await engagements(ada!.recordId)).map((e) => e.type)).toEqual(['reply']);
    expect(await connection(bob!.connectionId)).toMatchObject({ reason: 'bounced' });
    const outbox = await world.store.db
      .selectFrom('outbound_messages')
      .select(['record_id', 'status'])
      .where('org_id', '=', ORG_ID)
      .orderBy('record_id')
      .execute();
    expect(new Map(outbox.map((row) => [row.record_id, row.status]))).toEqual(
      new Map([
        [ada!.recordId, 'sent'],
        [bob!.recordId, 'bounced'],
      ]),
    );
  });
});
