import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config.ts';
import { FakeClock, MINUTE } from '../../src/engine/clock.ts';
import { pollImapMailbox } from '../../src/mail/imap.ts';
import { buildRawMessage } from '../../src/mail/transport.ts';
import { claimImapLease } from '../../src/store/repos/imap-sync-repo.ts';
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

let dovecot: Dovecot;
beforeAll(async () => {
  dovecot = await startDovecot();
});
afterAll(async () => {
  await dovecot?.close();
});

async function emptyInbox(): Promise<void> {
  await withImap(dovecot, async (client) => {
    const lock = await client.getMailboxLock('INBOX');
    try {
      if (client.mailbox && client.mailbox.exists > 0) await client.messageDelete('1:*');
    } finally {
      lock.release();
    }
  });
}

describe.each(dialects)('IMAP poller against dovecot on %s', (dialect) => {
  it('imports new replies once, survives a server restart and a UIDVALIDITY change, one poller per mailbox', async () => {
    const store = await freshStore(dialect);
    const clock = new FakeClock();
    const smtp = await startSmtp();
    try {
      await emptyInbox();
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
        imapMailboxFields({
          host: dovecot.host,
          port: dovecot.port,
          user: IMAP_USER,
          password: IMAP_PASSWORD,
        }),
        clock.now(),
      );
      const state = async (): Promise<MailboxRow> => (await findMailbox(store.db, ORG_ID, mailbox.id))!;
      const deps = (workerId: string) => ({
        store,
        clock,
        config: { secretKey: SECRET_KEY, outboundAllowList: testConfig().outboundAllowList },
        workerId,
      });
      // Like the poller, each poll starts from the mailbox row as stored.
      const poll = async (workerId = 'worker-a') => pollImapMailbox(deps(workerId), await state());
      const reply = (n: number) =>
        withImap(dovecot, async (client) => {
          const raw = await buildRawMessage({
            from: 'Ada Lovelace <ada@customer.test>',
            to: 'sam@seller.test',
            subject: `Re: reply ${n}`,
            text: `Reply number ${n}`,
            messageId: `<reply-${n}@customer.test>`,
            inReplyTo: sentId!,
            references: [sentId!],
            headers: {},
          });
          await client.append('INBOX', raw);
        });
      const replies = async () =>
        (
          await store.db
            .selectFrom('engagement_events')
            .select('data_json')
            .where('org_id', '=', ORG_ID)
            .where('type', '=', 'reply')
            .execute()
        )
          .map((row) => (JSON.parse(row.data_json) as { inboundMessageId: string }).inboundMessageId)
          .sort();

      // A mail already in the inbox before the first poll is not imported; the first poll marks the end.
      await reply(0);
      expect(await poll()).toBe(0);
      await reply(1);
      await reply(2);
      expect(await poll()).toBe(2);
      expect(await poll()).toBe(0);
      expect(await replies()).toEqual(['<reply-1@customer.test>', '<reply-2@customer.test>']);

      // The server goes away: the poll records why and keeps its place; after the restart it carries on.
      await dovecot.stop();
      expect(await poll()).toBe(0);
      expect((await state()).imap_last_error).toBeTruthy();
      const cursor = (await state()).imap_last_uid;
      await dovecot.start();
      await reply(3);
      expect(await poll()).toBe(1);
      expect((await state()).imap_last_error).toBeNull();
      expect((await state()).imap_last_uid).toBe((cursor ?? 0) + 1);

      // The mailbox is rebuilt: one message gone, one new, UIDs renumbered from 1 under a new UIDVALIDITY.
      // The old cursor now points past every message; the new one must still arrive, the others only once.
      await withImap(dovecot, async (client) => {
        const lock = await client.getMailboxLock('INBOX');
        try {
          await client.messageDelete({ header: { 'message-id': '<reply-0@customer.test>' } });
          await client.messageDelete({ header: { 'message-id': '<reply-1@customer.test>' } });
        } finally {
          lock.release();
        }
      });
      await reply(4);
      await dovecot.stop();
      await dovecot.forgetUids();
      await dovecot.start();
      await dovecot.setUidValidity(777_000 + (dialect === 'postgres' ? 1 : 2));
      await poll();
      expect(await replies()).toEqual([
        '<reply-1@customer.test>',
        '<reply-2@customer.test>',
        '<reply-3@customer.test>',
        '<reply-4@customer.test>',
      ]);
      const sync = await store.db.selectFrom('imap_sync').selectAll().executeTakeFirstOrThrow();
      expect(sync.uid_validity).toBe(String(777_000 + (dialect === 'postgres' ? 1 : 2)));
      await reply(5);
      expect(await poll()).toBe(1);

      // Exactly one worker polls a mailbox: while A holds the lease, B reads nothing; after it expires, B does.
      await reply(6);
      expect(
        await claimImapLease(store.db, {
          orgId: ORG_ID,
          mailboxId: mailbox.id,
          owner: 'worker-a',
          now: clock.now(),
          leaseMs: 5 * MINUTE,
        }),
      ).toBeTruthy();
      expect(await poll('worker-b')).toBe(0);
      expect(
        await claimImapLease(store.db, {
          orgId: ORG_ID,
          mailboxId: mailbox.id,
          owner: 'worker-c',
          now: clock.now(),
          leaseMs: MINUTE,
        }),
      ).toBeUndefined();
      clock.advance(6 * MINUTE);
      expect(await poll('worker-b')).toBe(1);
      // Several workers at once: the message is imported once.
      await reply(7);
      const results = await Promise.all(['w1', 'w2', 'w3'].map((id) => poll(id)));
      expect(results.reduce((a, b) => a + b, 0)).toBe(1);
      expect((await replies()).length).toBe(7);
    } finally {
      await smtp.close();
      await store.close();
    }
  });
});
