import { describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.ts';
import { ORG_ID } from '../support/world.ts';
import { useReplyHarness } from './real-client-harness.ts';

/**
 * Replies as real mail clients write them (Outlook, Gmail, a provider that rewrites our Message-ID, a colleague
 * answering a forward), handed to the inbound SMTP listener: each one must end (or not end) the right connection.
 */
describe.each(dialects)('replies as real mail clients send them, on %s', (dialect) => {
  const h = useReplyHarness(dialect);
  const { sendTo, sendWithSubject, drainEngine, deliver, connection, engagements } = h;

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
    const kept = await h.world.store.db
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
    const conversation = await h.world.as('eastSeller', 'GET', `/api/records/${ada!.recordId}/conversation`);
    const threads = conversation.json().threads as Array<{
      items: Array<{ kind: string; from: string | null }>;
    }>;
    expect(threads).toHaveLength(1);
    expect(threads[0]!.items.map((item) => [item.kind, item.from])).toEqual([
      ['sent', 'east.seller'],
      ['reply', 'zoe@customer.test'],
    ]);
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
    const outbox = await h.world.store.db
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
