import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import { afterEach, beforeEach, expect } from 'vitest';
import { testConfig } from '../../src/config.ts';
import { HOUR, MINUTE } from '../../src/engine/clock.ts';
import { silentLogger } from '../../src/engine/engine-deps.ts';
import { startEngineWorker } from '../../src/engine/worker.ts';
import { type InboundSmtpListener, startInboundSmtp } from '../../src/mail/smtp-listener.ts';
import type { DialectName } from '../../src/store/db.ts';
import { connectNew, definition, T0 } from '../engine/engine-fixtures.ts';
import { createWorld, ORG_ID, type World } from '../support/world.ts';
import {
  addSmtpMailbox,
  deliveryFor,
  type LoopbackSmtp,
  SECRET_KEY,
  SELLER,
  startSmtp,
} from './mail-fixtures.ts';

const SUBJECT = 'Vacation rentals for {{ record.first_name }}';

export type Connected = { connectionId: string; recordId: string; subject: string; messageId: string };

/**
 * The set-up of the real-client reply tests: a world on `dialect`, the seller's SMTP mailbox on a loopback server
 * and the inbound SMTP listener, started before and stopped after each test of the calling describe. Replies are
 * handed to the listener the way the seller's MX relays them (RCPT TO the seller's address).
 */
export function useReplyHarness(dialect: DialectName) {
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

  return {
    get world(): World {
      return world;
    },
    sendTo,
    sendWithSubject,
    drainEngine,
    deliver,
    connection,
    engagements,
  };
}
