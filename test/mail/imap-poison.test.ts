import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config.ts';
import { FakeClock } from '../../src/engine/clock.ts';
import { fetchBatches, pollImapMailbox } from '../../src/mail/imap.ts';
import { buildRawMessage } from '../../src/mail/transport.ts';
import { findMailbox, insertMailbox, type MailboxRow } from '../../src/store/repos/mailbox-repo.ts';
import { dialects, freshStore } from '../support/databases.ts';
import { type Dovecot, IMAP_PASSWORD, IMAP_USER, startDovecot, withImap } from '../support/dovecot.ts';
import { ORG_ID, seedWorld } from '../support/world.ts';
import {
  addSmtpMailbox,
  deliveryFor,
  imapMailboxFields,
  queueEmail,
  SECRET_KEY,
  SELLER,
  seedSequence,
  startSmtp,
} from './mail-fixtures.ts';

/**
 * Hostile or just unusual mail in a seller's IMAP inbox must not stop reply intake or take the worker's memory:
 *  - anyone can send a message the MIME reader refuses (a header over its limit, e.g. a 1 MB Subject). It used to
 *    fail every poll at the same UID, so no later reply of that mailbox was ever taken in and the sequences went
 *    on emailing people who had answered;
 *  - every new message used to be read into memory before any was taken in, whatever its size and number; now a
 *    message over the size limit is not read (its headers are logged) and the rest are read in bounded batches.
 */
let dovecot: Dovecot;
beforeAll(async () => {
  dovecot = await startDovecot();
});
afterAll(async () => {
  await dovecot?.close();
});

/** A sent email, an emptied inbox and a mailbox whose first poll has marked where the inbox ends. */
async function scenario(dialect: (typeof dialects)[number], maxMessageBytes?: number) {
  const store = await freshStore(dialect);
  const clock = new FakeClock();
  const smtp = await startSmtp();
  await withImap(dovecot, async (client) => {
    const lock = await client.getMailboxLock('INBOX');
    try {
      if (client.mailbox && client.mailbox.exists > 0) await client.messageDelete('1:*');
    } finally {
      lock.release();
    }
  });
  await seedWorld(store, clock.now());
  await addSmtpMailbox(store, SELLER, smtp.port, clock.now());
  const sequence = await seedSequence(store, clock.now());
  await queueEmail(store, sequence, clock.now(), { email: 'ada@customer.test' });
  const delivery = deliveryFor(store, clock);
  await delivery.drain();
  delivery.close();
  const sentId = /^message-id:\s*(\S+)/im.exec(smtp.received[0]!.raw.toString('utf8'))?.[1] as string;
  expect(sentId).toBeTruthy();
  const mailbox = await insertMailbox(
    store.db,
    ORG_ID,
    imapMailboxFields({ host: dovecot.host, port: dovecot.port, user: IMAP_USER, password: IMAP_PASSWORD }),
    clock.now(),
  );
  const state = async (): Promise<MailboxRow> => (await findMailbox(store.db, ORG_ID, mailbox.id))!;
  const deps = {
    store,
    clock,
    config: { secretKey: SECRET_KEY, outboundAllowList: testConfig().outboundAllowList },
    ...(maxMessageBytes ? { maxMessageBytes } : {}),
  };
  const poll = async () => pollImapMailbox(deps, await state());
  expect(await poll()).toBe(0);
  const reply = async () =>
    buildRawMessage({
      from: 'Ada Lovelace <ada@customer.test>',
      to: 'sam@seller.test',
      subject: 'Re: hello',
      text: 'Yes, let us talk.',
      messageId: '<ada-after-junk@customer.test>',
      inReplyTo: sentId,
      references: [sentId],
    });
  const replies = async () =>
    (
      await store.db
        .selectFrom('engagement_events')
        .select('data_json')
        .where('org_id', '=', ORG_ID)
        .where('type', '=', 'reply')
        .execute()
    ).map((row) => (JSON.parse(row.data_json) as { inboundMessageId: string }).inboundMessageId);
  const logged = () =>
    store.db
      .selectFrom('inbound_messages')
      .select(['outcome', 'reason', 'size_bytes'])
      .where('org_id', '=', ORG_ID)
      .execute();
  const close = async () => {
    await smtp.close();
    await store.close();
  };
  return { poll, reply, replies, logged, state, close };
}

describe('reading an IMAP inbox in batches', () => {
  it('cuts the messages into batches of bounded bytes and count, an oversized one alone', () => {
    const listed = [
      { uid: 3, size: 40 },
      { uid: 1, size: 60 },
      { uid: 2, size: 50 },
      { uid: 4, size: 500 },
      { uid: 5, size: 10 },
    ];
    expect(fetchBatches(listed, 100).map((batch) => batch.map((m) => m.uid))).toEqual([
      [1],
      [2, 3],
      [4],
      [5],
    ]);
    const many = Array.from({ length: 250 }, (_, i) => ({ uid: i + 1, size: 1 }));
    expect(fetchBatches(many, 1_000_000).map((batch) => batch.length)).toEqual([100, 100, 50]);
  });
});

describe.each(dialects)('IMAP intake of hostile mail on %s', (dialect) => {
  it('moves past a message with an oversized header and takes in the replies after it', async () => {
    const s = await scenario(dialect);
    try {
      await withImap(dovecot, async (client) => {
        await client.append(
          'INBOX',
          `From: mallory@outside.test\r\nTo: sam@seller.test\r\nSubject: ${'x'.repeat(1_100_000)}\r\n\r\nHello\r\n`,
        );
        await client.append('INBOX', await s.reply());
      });
      await s.poll();
      await s.poll();
      expect(await s.replies()).toEqual(['<ada-after-junk@customer.test>']);
      expect((await s.state()).imap_last_error).toBeNull();
      // The refused message is on record in the inbound log (admins see what was passed over and why).
      const logged = await s.logged();
      expect(logged).toHaveLength(2);
      expect(logged).toContainEqual(
        expect.objectContaining({
          outcome: 'unmatched',
          reason: 'a header of the message is larger than allowed',
        }),
      );
    } finally {
      await s.close();
    }
  });

  it('reads only the first part of a message over the size limit, logs it with its size and takes in the rest', async () => {
    const s = await scenario(dialect, 20_000);
    try {
      const big = `From: mallory@outside.test\r\nTo: sam@seller.test\r\nSubject: big\r\n\r\n${'y'.repeat(60_000)}\r\n`;
      await withImap(dovecot, async (client) => {
        await client.append('INBOX', big);
        await client.append('INBOX', await s.reply());
      });
      expect(await s.poll()).toBe(2);
      expect(await s.replies()).toEqual(['<ada-after-junk@customer.test>']);
      expect((await s.state()).imap_last_error).toBeNull();
      const logged = await s.logged();
      expect(logged).toContainEqual({
        outcome: 'unmatched',
        reason: 'no In-Reply-To or References matches an email we sent',
        size_bytes: Buffer.byteLength(big),
      });
      expect(await s.poll()).toBe(0);
    } finally {
      await s.close();
    }
  });

  it('counts a reply with an attachment too large to read in full', async () => {
    const s = await scenario(dialect, 20_000);
    try {
      const reply = (await s.reply()).toString('utf8');
      const inReplyTo = /^In-Reply-To:\s*(\S+)/im.exec(reply)![1]!;
      const pdf = Buffer.alloc(45_000, 7).toString('base64').replace(/.{76}/g, '$&\r\n');
      const big = [
        'From: Ada Lovelace <ada@customer.test>',
        'To: sam@seller.test',
        'Subject: Re: hello',
        'Message-ID: <ada-with-attachment@customer.test>',
        `In-Reply-To: ${inReplyTo}`,
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="A"',
        '',
        '--A',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Our requirements are attached, let us talk.',
        '--A',
        'Content-Type: application/pdf; name="requirements.pdf"',
        'Content-Disposition: attachment; filename="requirements.pdf"',
        'Content-Transfer-Encoding: base64',
        '',
        pdf,
        '--A--',
        '',
      ].join('\r\n');
      expect(Buffer.byteLength(big)).toBeGreaterThan(20_000);
      await withImap(dovecot, (client) => client.append('INBOX', big));
      expect(await s.poll()).toBe(1);
      expect(await s.replies()).toEqual(['<ada-with-attachment@customer.test>']);
      expect(await s.logged()).toEqual([
        { outcome: 'reply', reason: null, size_bytes: Buffer.byteLength(big) },
      ]);
    } finally {
      await s.close();
    }
  });
});
