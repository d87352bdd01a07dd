import { describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.ts';
import { useReplyHarness } from './real-client-harness.ts';

/**
 * Out-of-office replies, autoresponders, null-sender notices and read receipts as real servers write them: none
 * may end a sequence as replied, and a real reply that merely looks like one must.
 */
describe.each(dialects)('automatic replies and receipts as real servers send them, on %s', (dialect) => {
  const h = useReplyHarness(dialect);
  const { sendTo, drainEngine, deliver, connection, engagements } = h;

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
});
