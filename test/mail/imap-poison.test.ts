import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config.ts';
import { FakeClock } from '../../src/engine/clock.ts';
import { pollImapMailbox } from '../../src/mail/imap.ts';
import { encryptSecret } from '../../src/mail/secrets.ts';
import { buildRawMessage } from '../../src/mail/transport.ts';
import { findMailbox, insertMailbox, type MailboxRow } from '../../src/store/repos/mailbox-repo.ts';
import { dialects, freshStore } from '../support/databases.ts';
import { type Dovecot, IMAP_PASSWORD, IMAP_USER, startDovecot } from '../support/dovecot.ts';
import { ORG_ID, seedWorld } from '../support/world.ts';
import {
  addSmtpMailbox,
  deliveryFor,
  queueEmail,
  SECRET_KEY,
  SELLER,
  seedSequence,
  startSmtp,
} from './mail-fixtures.ts';

/**
 * Anyone can send a seller a message the MIME reader refuses (a header over its limit, e.g. a 1 MB Subject). In
 * the IMAP intake such a message must be passed over like any junk — recorded, the cursor moved on — and not stop
 * the poll: it used to fail every poll at the same UID, so no later reply of that mailbox was ever taken in and
 * the sequences went on emailing people who had answered.
 */
let dovecot: Dovecot;
beforeAll(async () => {
  dovecot = await startDovecot();
});
afterAll(async () => {
  await dovecot?.close();
});

async function withImap<T>(work: (client: ImapFlow) => Promise<T>): Promise<T> {
  const client = new ImapFlow({
    host: dovecot.host,
    port: dovecot.port,
    secure: false,
    auth: { user: IMAP_USER, pass: IMAP_PASSWORD },
    logger: false,
  });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.logout();
  }
}

describe.each(dialects)('IMAP intake after a message it cannot read on %s', (dialect) => {
  it('moves past a message with an oversized header and takes in the replies after it', async () => {
    const store = await freshStore(dialect);
    const clock = new FakeClock();
    const smtp = await startSmtp();
    try {
      await withImap(async (client) => {
        const lock = await client.getMailboxLock('INBOX');
        try {
          if (client.mailbox && client.mailbox.exists > 0) await client.messageDelete('1:*');
        } finally {
          lock.release();
        }
      });
      await seedWorld(store, clock.now());
      await addSmtpMailbox(store, SELLER, smtp.port, clock.now());
      const scenario = await seedSequence(store, clock.now());
      await queueEmail(store, scenario, clock.now(), { email: 'ada@customer.test' });
      const delivery = deliveryFor(store, clock);
      await delivery.drain();
      delivery.close();
      const sentId = /^message-id:\s*(\S+)/im.exec(smtp.received[0]!.raw.toString('utf8'))?.[1];
      expect(sentId).toBeTruthy();
      const mailbox = await insertMailbox(
        store.db,
        ORG_ID,
        {
          user_id: SELLER,
          kind: 'catch_all',
          from_name: null,
          from_address: null,
          smtp_host: null,
          smtp_port: null,
          smtp_secure: 0,
          smtp_user: null,
          smtp_secret_enc: null,
          daily_limit: null,
          hourly_limit: null,
          min_spacing_seconds: null,
          imap_host: dovecot.host,
          imap_port: dovecot.port,
          imap_secure: 0,
          imap_user: IMAP_USER,
          imap_secret_enc: encryptSecret(SECRET_KEY, IMAP_PASSWORD),
          imap_last_uid: null,
          imap_last_error: null,
        },
        clock.now(),
      );
      const state = async (): Promise<MailboxRow> => (await findMailbox(store.db, ORG_ID, mailbox.id))!;
      const deps = {
        store,
        clock,
        config: { secretKey: SECRET_KEY, outboundAllowList: testConfig().outboundAllowList },
      };
      const poll = async () => pollImapMailbox(deps, await state());
      expect(await poll()).toBe(0); // the first poll marks where the inbox ends

      await withImap(async (client) => {
        await client.append(
          'INBOX',
          `From: mallory@outside.test\r\nTo: sam@seller.test\r\nSubject: ${'x'.repeat(1_100_000)}\r\n\r\nHello\r\n`,
        );
        await client.append(
          'INBOX',
          await buildRawMessage({
            from: 'Ada Lovelace <ada@customer.test>',
            to: 'sam@seller.test',
            subject: 'Re: hello',
            text: 'Yes, let us talk.',
            messageId: '<ada-after-junk@customer.test>',
            inReplyTo: sentId!,
            references: [sentId!],
          }),
        );
      });
      await poll();
      await poll();
      const replies = await store.db
        .selectFrom('engagement_events')
        .select('data_json')
        .where('org_id', '=', ORG_ID)
        .where('type', '=', 'reply')
        .execute();
      expect(
        replies.map((row) => (JSON.parse(row.data_json) as { inboundMessageId: string }).inboundMessageId),
      ).toEqual(['<ada-after-junk@customer.test>']);
      const after = await state();
      expect(after.imap_last_error).toBeNull();
      // The refused message is on record in the inbound log (admins see what was passed over and why).
      const logged = await store.db
        .selectFrom('inbound_messages')
        .select(['outcome', 'reason'])
        .where('org_id', '=', ORG_ID)
        .execute();
      expect(logged).toHaveLength(2);
      expect(logged).toContainEqual({
        outcome: 'unmatched',
        reason: 'a header of the message is larger than allowed',
      });
    } finally {
      await smtp.close();
      await store.close();
    }
  });
});
