import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config.ts';
import { MINUTE } from '../../src/engine/clock.ts';
import { silentLogger } from '../../src/engine/engine-deps.ts';
import { startEngineWorker } from '../../src/engine/worker.ts';
import { type InboundSmtpListener, startInboundSmtp } from '../../src/mail/smtp-listener.ts';
import { insertMailbox } from '../../src/store/repos/mailbox-repo.ts';
import {
  connectNew,
  connectRecord,
  definition,
  insertRecord,
  insertSequence,
  T0,
} from '../engine/engine-fixtures.ts';
import { dialects } from '../support/databases.ts';
import { insertEmailTemplate } from '../support/mail-world.ts';
import { type Postfix, startPostfix } from '../support/postfix.ts';
import { createWorld, ORG_ID, USERS, type World } from '../support/world.ts';
import { deliveryFor, type LoopbackSmtp, SECRET_KEY, SELLER, startSmtp } from './mail-fixtures.ts';

/**
 * The real-MTA test: Stepwise sends through a real Postfix; an address Postfix does not know bounces with
 * Postfix's own report, which Postfix sends to the VERP return path and so to Stepwise's inbound SMTP listener.
 * A reply and a vacation auto-reply are written by Python's smtplib/email (not by Stepwise) and travel back
 * through the same Postfix. Nothing here builds a bounce or a reply by hand.
 */

const VERP = { domain: 'bounces.seller.test', localPart: 'bounces' };
const BOUNCING = 'nobody-here@prospects.test';

function python(job: Record<string, unknown>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'python3',
      [join(import.meta.dirname, '../support/mail_client.py')],
      (error, stdout, stderr) =>
        error ? reject(new Error(`python3 failed: ${stderr || error.message}`)) : resolve(stdout.trim()),
    );
    child.stdin?.end(JSON.stringify(job));
  });
}

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  log: () => Promise<string>,
): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; postfix log:\n${await log()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.each(dialects)('bounces, replies and auto-replies through a real Postfix on %s', (dialect) => {
  let world: World;
  let sink: LoopbackSmtp;
  let listener: InboundSmtpListener;
  let postfix: Postfix;
  beforeAll(async () => {
    world = await createWorld(dialect);
    world.clock.set(T0);
    sink = await startSmtp();
    listener = await startInboundSmtp({
      store: world.store,
      clock: world.clock,
      config: {
        secretKey: SECRET_KEY,
        inboundSmtp: { port: 0, host: '127.0.0.1', maxBytes: 10 * 1024 * 1024 },
      },
      logger: silentLogger,
    });
    postfix = await startPostfix({
      localDomain: 'prospects.test',
      relayDomains: ['customer.test'],
      relayPort: sink.port,
      inboundDomains: ['seller.test', VERP.domain],
      inboundPort: listener.port,
    });
  }, 60_000);
  afterAll(async () => {
    await postfix?.close();
    await listener?.stop();
    await sink?.close();
    await world?.close();
  });

  /** A seller's SMTP mailbox that sends through the test's Postfix (no credentials: loopback relay). */
  function addPostfixMailbox(userId: string, fromName: string, fromAddress: string, now: number) {
    return insertMailbox(
      world.store.db,
      ORG_ID,
      {
        user_id: userId,
        kind: 'smtp',
        from_name: fromName,
        from_address: fromAddress,
        smtp_host: postfix.host,
        smtp_port: postfix.port,
        smtp_secure: 0,
        smtp_user: null,
        smtp_secret_enc: null,
        daily_limit: null,
        hourly_limit: null,
        min_spacing_seconds: null,
        imap_host: null,
        imap_port: null,
        imap_secure: 1,
        imap_user: null,
        imap_secret_enc: null,
        imap_last_uid: null,
        imap_last_error: null,
      },
      now,
    );
  }

  it('a bounce ends the connection and suppresses the address, a reply ends it as replied, an auto-reply does not', async () => {
    const { store, clock } = world;
    await addPostfixMailbox(SELLER, 'Sam Seller', 'sam@seller.test', T0);
    const def = definition({
      start: 'n1',
      nodes: [
        { id: 'n1', kind: 'automated_email', name: 'Intro', templateId: 'tpl-e2e', next: 't1' },
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
    await store.db
      .insertInto('email_templates')
      .values({
        org_id: ORG_ID,
        id: 'tpl-e2e',
        name: 'Intro',
        language: 'en',
        subject: 'Hello {{ record.first_name }}',
        body_html: '<p>Hi {{ record.first_name }}, shall we talk?</p>',
        body_text: null,
        record_type: 'lead',
        owner_id: null,
        builtin: 0,
        created_at: T0,
        updated_at: T0,
      })
      .execute();
    const bounced = await connectNew(store, def, { email: BOUNCING, owner_id: SELLER }, T0);
    const replied = await connectNew(store, def, { email: 'ada@customer.test', owner_id: SELLER }, T0);
    const away = await connectNew(store, def, { email: 'bob@customer.test', owner_id: SELLER }, T0);
    const engine = startEngineWorker(
      {
        store,
        clock,
        logger: silentLogger,
        config: testConfig({ databaseUrl: store.url }),
        workerId: 'pf-engine',
      },
      { loop: false },
    );
    const mail = deliveryFor(store, clock, {
      config: {
        ...testConfig(),
        secretKey: SECRET_KEY,
        worker: { batchSize: 200, leaseMs: 60_000, pollMs: 1000 },
        verp: VERP,
      },
    });
    const connection = (id: string) =>
      store.db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const outbox = (recordId: string) =>
      store.db
        .selectFrom('outbound_messages')
        .selectAll()
        .where('record_id', '=', recordId)
        .executeTakeFirstOrThrow();
    try {
      await engine.drain();
      // The mailbox spaces its sends (20 s by default): let the clock move on between rounds.
      for (let round = 0; round < 3; round++) {
        await mail.drain();
        clock.advance(MINUTE);
      }
      // (Postfix may already have bounced it: the bounce travels back within milliseconds.)
      expect(['sent', 'bounced']).toContain((await outbox(bounced.recordId)).status);

      // Postfix relays two emails to the customer's server, each with its own signed VERP return path.
      const delivered = await until(
        'two delivered emails',
        async () => (sink.received.length >= 2 ? sink.received : undefined),
        postfix.log,
      );
      for (const item of delivered)
        expect(item.from).toMatch(/^bounces\+[0-9a-f]{32}-[0-9a-f]{16}@bounces\.seller\.test$/);
      const parsed = await Promise.all(delivered.map((item) => simpleParser(item.raw)));
      expect(parsed.map((p) => p.from?.value[0]?.address).sort()).toEqual([
        'sam@seller.test',
        'sam@seller.test',
      ]);

      // The unknown local user: Postfix's own bounce comes back over SMTP and ends the connection as bounced.
      await until(
        'the bounce',
        async () => ((await outbox(bounced.recordId)).status === 'bounced' ? true : undefined),
        postfix.log,
      );
      await engine.drain();
      const ended = await connection(bounced.connectionId);
      expect(ended.status).not.toBe('active');
      expect(ended.reason).toBe('bounced');
      expect((await outbox(bounced.recordId)).last_error).toMatch(/5\.1\.1/);
      const suppression = await store.db
        .selectFrom('suppressions')
        .selectAll()
        .where('org_id', '=', ORG_ID)
        .where('address', '=', BOUNCING)
        .executeTakeFirst();
      expect(suppression).toMatchObject({ reason: 'hard_bounce' });
      const kept = await store.db
        .selectFrom('inbound_messages')
        .selectAll()
        .where('org_id', '=', ORG_ID)
        .where('class', '=', 'bounce')
        .executeTakeFirstOrThrow();
      expect(kept).toMatchObject({ via: 'smtp', matched_by: 'verp', outcome: 'bounce' });
      expect(Buffer.from(kept.raw_base64, 'base64').toString('utf8')).toMatch(/MAILER-DAEMON/);

      // A later connect of the same address is refused.
      const again = await insertRecord(store, { email: BOUNCING, owner_id: SELLER });
      const refused = await world.as('eastSeller', 'POST', `/api/records/${again}/connection`, {
        sequenceId: bounced.sequenceId,
      });
      expect(refused.json().code).toBe('address_suppressed');

      const sentTo = (address: string) => {
        const index = delivered.findIndex((item) => item.to.includes(address));
        return { envelopeFrom: delivered[index]!.from, message: parsed[index]! };
      };
      // Bob's vacation responder answers the return path (RFC 3834) with the null sender: not a reply.
      const bob = sentTo('bob@customer.test');
      await python({
        host: postfix.host,
        port: postfix.port,
        kind: 'auto_reply',
        from: 'bob@customer.test',
        to: bob.envelopeFrom,
        envelope_from: '',
        subject: `Out of office: ${bob.message.subject}`,
        in_reply_to: bob.message.messageId,
        text: 'I am out of the office until Monday and will read your message when I am back.',
      });
      // Ada answers the seller from her mail program.
      const ada = sentTo('ada@customer.test');
      await python({
        host: postfix.host,
        port: postfix.port,
        kind: 'reply',
        from: 'ada@customer.test',
        to: 'sam@seller.test',
        envelope_from: 'ada@customer.test',
        subject: `Re: ${ada.message.subject}`,
        in_reply_to: ada.message.messageId,
        text: 'Yes, happy to talk on Thursday.\n\n> Hi Ada, shall we talk?',
      });
      const engagement = (type: string, recordId: string) =>
        store.db
          .selectFrom('engagement_events')
          .selectAll()
          .where('org_id', '=', ORG_ID)
          .where('type', '=', type as never)
          .where('record_id', '=', recordId)
          .executeTakeFirst();
      await until('the reply', () => engagement('reply', replied.recordId), postfix.log);
      await until('the auto-reply', () => engagement('auto_reply', away.recordId), postfix.log);
      await engine.drain();
      expect((await connection(replied.connectionId)).reason).toBe('replied');
      expect((await connection(away.connectionId)).status).toBe('active');
      expect(await engagement('reply', away.recordId)).toBeUndefined();
      const classes = await store.db
        .selectFrom('inbound_messages')
        .select(['class', 'matched_by'])
        .where('org_id', '=', ORG_ID)
        .orderBy('class')
        .execute();
      expect(classes).toEqual([
        { class: 'auto_reply', matched_by: 'verp' },
        { class: 'bounce', matched_by: 'verp' },
        { class: 'reply', matched_by: 'references' },
      ]);
    } finally {
      mail.close();
      await engine.stop();
    }
  }, 90_000);

  it('without VERP (the default), Postfix’s bounce to the seller’s own address ends the connection and suppresses the address', async () => {
    const { store, clock } = world;
    const kim = USERS.eastSeller2.id;
    await addPostfixMailbox(kim, 'Kim Seller', 'kim@seller.test', clock.now());
    const templateId = await insertEmailTemplate(store, {
      name: 'Intro',
      subject: 'Hello again {{ record.first_name }}',
      bodyHtml: '<p>Hi {{ record.first_name }}, one more idea.</p>',
      now: clock.now(),
    });
    const def = definition({
      start: 'n1',
      nodes: [
        { id: 'n1', kind: 'automated_email', name: 'Intro', templateId, next: 't1' },
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
    const address = 'nobody-either@prospects.test';
    const { sequenceId } = await insertSequence(store, def, { now: clock.now() });
    const recordId = await insertRecord(store, { email: address, owner_id: kim });
    const bounced = {
      recordId,
      connectionId: await connectRecord(store.db, { recordId, sequenceId, now: clock.now(), userId: kim }),
    };
    const engine = startEngineWorker(
      {
        store,
        clock,
        logger: silentLogger,
        config: testConfig({ databaseUrl: store.url }),
        workerId: 'pf-engine-plain',
      },
      { loop: false },
    );
    // No BOUNCE_DOMAIN: the envelope sender is the seller's own address, where Postfix sends its report.
    const mail = deliveryFor(store, clock, {
      config: {
        ...testConfig(),
        secretKey: SECRET_KEY,
        worker: { batchSize: 200, leaseMs: 60_000, pollMs: 1000 },
      },
    });
    const outbox = () =>
      store.db
        .selectFrom('outbound_messages')
        .selectAll()
        .where('record_id', '=', bounced.recordId)
        .executeTakeFirstOrThrow();
    try {
      await engine.drain();
      for (let round = 0; round < 2; round++) {
        await mail.drain();
        clock.advance(MINUTE);
      }
      await until(
        'the bounce to kim@seller.test',
        async () => ((await outbox()).status === 'bounced' ? true : undefined),
        postfix.log,
      );
      await engine.drain();
      const ended = await store.db
        .selectFrom('connections')
        .selectAll()
        .where('id', '=', bounced.connectionId)
        .executeTakeFirstOrThrow();
      expect(ended).toMatchObject({ reason: 'bounced' });
      expect(ended.status).not.toBe('active');
      const suppression = await store.db
        .selectFrom('suppressions')
        .selectAll()
        .where('org_id', '=', ORG_ID)
        .where('address', '=', address)
        .executeTakeFirst();
      expect(suppression).toMatchObject({ reason: 'hard_bounce' });
      const kept = await store.db
        .selectFrom('inbound_messages')
        .select(['via', 'class', 'matched_by'])
        .where('org_id', '=', ORG_ID)
        .where('outbound_message_id', '=', (await outbox()).id)
        .executeTakeFirstOrThrow();
      expect(kept).toEqual({ via: 'smtp', class: 'bounce', matched_by: 'message_id' });
    } finally {
      mail.close();
      await engine.stop();
    }
  }, 90_000);
});
