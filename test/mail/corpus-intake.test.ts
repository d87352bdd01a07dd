import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/engine/engine-deps.ts';
import { pollImapMailbox } from '../../src/mail/imap.ts';
import { type InboundSmtpListener, startInboundSmtp } from '../../src/mail/smtp-listener.ts';
import { verpAddress } from '../../src/mail/verp.ts';
import type { Store } from '../../src/store/db.ts';
import { findMailbox, insertMailbox } from '../../src/store/repos/mailbox-repo.ts';
import { dialects } from '../support/databases.ts';
import { type Dovecot, IMAP_PASSWORD, IMAP_USER, startDovecot, withImap } from '../support/dovecot.ts';
import { createWorld, ORG_ID, type World } from '../support/world.ts';
import {
  imapMailboxFields,
  inboundSecretFor,
  queueEmail,
  type Recipient,
  SECRET_KEY,
  scheduledEvents,
  seedSequence,
} from './mail-fixtures.ts';

/**
 * The real corpus (test/fixtures/bounces) through the inbound SMTP listener, the way a relay hands a bounce to the
 * signed VERP return path of the email it is about: each message's user-visible outcome must be its class's.
 * bounce: the email shows as bounced and the connection ends; a hard one suppresses the address. delay: a timeline
 * note, nothing else. delivered: nothing. feedback: do-not-email, the connection ends, the address is suppressed.
 * auto_reply: recorded, the sequence goes on. not_bounce: never a bounce.
 * The same through `POST /api/inbound/mime` (an MTA pipe) and through the IMAP poller and a real Dovecot: the relay delivered each message to the catch-all mailbox of
 * the VERP domain, its delivery agent adding `Delivered-To: <the VERP address>` on top, as Postfix and Dovecot do.
 */

const DIR = join(import.meta.dirname, '../fixtures/bounces');
const VERP = { domain: 'bounces.seller.test', localPart: 'bounces' };

interface Label {
  class: 'bounce' | 'delay' | 'delivered' | 'feedback' | 'auto_reply' | 'not_bounce';
  recipients: Array<{ hardBounce: boolean; reason: string; status: string }>;
}
const labels = JSON.parse(readFileSync(join(DIR, 'labels.json'), 'utf8')) as Record<string, Label>;

type Sent = Map<string, Recipient & { address: string }>;

/** One email per corpus message, sent by the seller to its own lead (the rows delivery leaves behind). */
async function sendOnePerMessage(world: World): Promise<Sent> {
  const sent: Sent = new Map();
  const scenario = await seedSequence(world.store, world.clock.now());
  for (const [index, file] of Object.keys(labels).entries()) {
    const address = `lead-${index}@prospect.test`;
    const lead = await queueEmail(world.store, scenario, world.clock.now(), { email: address });
    sent.set(file, { ...lead, address });
  }
  await world.store.db
    .updateTable('outbound_messages')
    .set({ status: 'sent', sent_at: world.clock.now() })
    .where('org_id', '=', ORG_ID)
    .execute();
  return sent;
}

const verpOf = (lead: Recipient) => verpAddress(VERP, SECRET_KEY, lead.outboundId) as string;

/** Checks each message's user-visible outcome against its label. */
async function expectOutcomes(store: Store, sent: Sent, path: string): Promise<void> {
  const wrong: string[] = [];
  const suppressions = new Map(
    (await store.db.selectFrom('suppressions').selectAll().where('org_id', '=', ORG_ID).execute()).map(
      (row) => [row.address, row.reason],
    ),
  );
  let hardRight = 0;
  let falseHard = 0;
  let bounces = 0;
  for (const [file, label] of Object.entries(labels)) {
    const lead = sent.get(file)!;
    const message = await store.db
      .selectFrom('outbound_messages')
      .select(['status'])
      .where('id', '=', lead.outboundId)
      .executeTakeFirstOrThrow();
    const record = await store.db
      .selectFrom('records')
      .select('do_not_email')
      .where('id', '=', lead.recordId)
      .executeTakeFirstOrThrow();
    const exits = (await scheduledEvents(store, lead.connectionId))
      .filter((event) => event.type === 'exit')
      .map((event) => event.reason);
    const kinds = (
      await store.db
        .selectFrom('timeline_events')
        .select('kind')
        .where('org_id', '=', ORG_ID)
        .where('record_id', '=', lead.recordId)
        .execute()
    ).map((row) => row.kind);
    const suppressed = suppressions.get(lead.address) ?? null;
    const got = `status=${message.status} exits=${exits.join(',')} dne=${record.do_not_email} suppressed=${suppressed} timeline=${kinds.join(',')}`;
    let ok: boolean;
    switch (label.class) {
      case 'bounce': {
        ok = message.status === 'bounced' && exits.join() === 'bounced' && record.do_not_email === 0;
        // As in classify-corpus.test.ts: hard or soft is scored where the label names a recipient.
        const expected = label.recipients[0];
        if (!expected) break;
        bounces++;
        const hard = suppressed === 'hard_bounce';
        if (hard === expected.hardBounce) hardRight++;
        if (hard && !expected.hardBounce) falseHard++;
        break;
      }
      case 'delay':
        ok =
          message.status === 'sent' &&
          exits.length === 0 &&
          suppressed === null &&
          kinds.includes('email_delayed');
        break;
      case 'delivered':
        ok = message.status === 'sent' && exits.length === 0 && suppressed === null;
        break;
      case 'feedback':
        ok = exits.length === 1 && record.do_not_email === 1 && suppressed === 'complaint';
        break;
      case 'auto_reply':
        ok =
          message.status === 'sent' &&
          exits.length === 0 &&
          suppressed === null &&
          kinds.includes('email_auto_reply');
        break;
      case 'not_bounce':
        ok = message.status === 'sent' && !exits.includes('bounced') && suppressed === null;
        break;
      default:
        ok = false;
    }
    if (!ok) wrong.push(`${file} (${label.class}): ${got}`);
  }
  console.log(
    `corpus through ${path}: ${Object.keys(labels).length - wrong.length}/${Object.keys(labels).length} right, ` +
      `hard/soft ${hardRight}/${bounces}, soft suppressed as hard ${falseHard}\n${wrong.join('\n')}`,
  );
  expect(wrong).toEqual([]);
  // Suppressing a good address for the whole organisation is the costly error (see classify-corpus.test.ts).
  expect(hardRight / bounces).toBeGreaterThanOrEqual(0.98);
  expect(falseHard).toBeLessThanOrEqual(2);
}

describe.each(dialects)('the real bounce corpus through the inbound SMTP listener on %s', (dialect) => {
  let world: World;
  let listener: InboundSmtpListener;
  let sent: Sent;
  beforeAll(async () => {
    world = await createWorld(dialect);
    listener = await startInboundSmtp({
      store: world.store,
      clock: world.clock,
      config: {
        secretKey: SECRET_KEY,
        inboundSmtp: { port: 0, host: '127.0.0.1', maxBytes: 10 * 1024 * 1024 },
      },
      logger: silentLogger,
    });
    sent = await sendOnePerMessage(world);
  }, 120_000);
  afterAll(async () => {
    await listener?.stop();
    await world?.close();
  });

  it('gives every message its class’s outcome', async () => {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: listener.port,
      secure: false,
      ignoreTLS: true,
      pool: true,
    });
    try {
      for (const file of Object.keys(labels)) {
        const raw = readFileSync(join(DIR, file));
        await transport.sendMail({ envelope: { from: '', to: [verpOf(sent.get(file)!)] }, raw });
      }
    } finally {
      transport.close();
    }
    await expectOutcomes(world.store, sent, 'the SMTP listener');
  }, 300_000);
});

describe.each(dialects)('the real bounce corpus through IMAP (Dovecot) on %s', (dialect) => {
  let world: World;
  let dovecot: Dovecot;
  let sent: Sent;
  beforeAll(async () => {
    dovecot = await startDovecot();
    world = await createWorld(dialect);
    sent = await sendOnePerMessage(world);
  }, 120_000);
  afterAll(async () => {
    await dovecot?.close();
    await world?.close();
  });

  it('gives every message its class’s outcome', async () => {
    const mailbox = await insertMailbox(
      world.store.db,
      ORG_ID,
      imapMailboxFields({ host: dovecot.host, port: dovecot.port, user: IMAP_USER, password: IMAP_PASSWORD }),
      world.clock.now(),
    );
    const deps = {
      store: world.store,
      clock: world.clock,
      config: { secretKey: SECRET_KEY, outboundAllowList: testConfig().outboundAllowList },
    };
    const poll = async () => pollImapMailbox(deps, (await findMailbox(world.store.db, ORG_ID, mailbox.id))!);
    // The first poll marks where the inbox ends; what arrives after it is taken in.
    expect(await poll()).toBe(0);
    await withImap(dovecot, async (client) => {
      for (const file of Object.keys(labels)) {
        const raw = readFileSync(join(DIR, file));
        const delivered = Buffer.concat([Buffer.from(`Delivered-To: ${verpOf(sent.get(file)!)}\r\n`), raw]);
        await client.append('INBOX', delivered);
      }
    });
    expect(await poll()).toBe(Object.keys(labels).length);
    await expectOutcomes(world.store, sent, 'IMAP');
  }, 300_000);
});

describe.each(dialects)('the real bounce corpus through POST /api/inbound/mime on %s', (dialect) => {
  let world: World;
  let sent: Sent;
  beforeAll(async () => {
    world = await createWorld(dialect);
    sent = await sendOnePerMessage(world);
  }, 120_000);
  afterAll(async () => {
    await world?.close();
  });

  it('gives every message its class’s outcome', async () => {
    // An MTA pipe (Postfix `pipe` with flags=D) posting what the VERP address received.
    const secret = await inboundSecretFor(world);
    for (const file of Object.keys(labels)) {
      const raw = readFileSync(join(DIR, file));
      const delivered = Buffer.concat([Buffer.from(`Delivered-To: ${verpOf(sent.get(file)!)}\r\n`), raw]);
      const response = await world.app.inject({
        method: 'POST',
        url: '/api/inbound/mime',
        headers: { 'content-type': 'message/rfc822', 'x-stepwise-inbound-secret': secret },
        payload: delivered,
      });
      expect(response.statusCode, file).toBe(200);
    }
    await expectOutcomes(world.store, sent, 'the inbound endpoint');
  }, 300_000);
});
