import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock, MINUTE } from '../../src/engine/clock.ts';
import { SEND_CONCURRENCY } from '../../src/mail/send-batch.ts';
import { oneShotTransportFactory } from '../../src/mail/transport.ts';
import type { Store } from '../../src/store/db.ts';
import { T0 } from '../engine/engine-fixtures.ts';
import { dialects, freshStore } from '../support/databases.ts';
import { ORG_ID, seedWorld } from '../support/world.ts';
import { addSmtpMailbox, deliveryFor, queueEmail, SELLER, seedSequence } from './mail-fixtures.ts';

/**
 * A seller's SMTP server that hangs: it takes the message and never answers. The old worker tried every email of
 * the batch in turn, each costing a full timeout (60 s in production), so with 100 emails queued for that mailbox
 * its lanes were stuck for 13 timeouts in a row while every other mailbox's emails waited. Now a server that did
 * not answer is not tried again in the same batch: one timeout per lane, the other emails wait with the reason,
 * and all of them go, once each, when the server answers again. A real SMTP server on loopback; the test's
 * transport gives up after 2 s instead of 60 s.
 */
const EMAILS = 3 * SEND_CONCURRENCY;

interface HungServer {
  port: number;
  hang: boolean;
  /** Messages whose DATA the server took (answered or not). */
  dataSeen: number;
  received: string[];
  close(): Promise<void>;
}

async function startHungServer(): Promise<HungServer> {
  const state = { hang: true, dataSeen: 0, received: [] as string[] };
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: true,
    logger: false,
    closeTimeout: 100,
    onAuth: (_auth, _session, callback) => callback(null, { user: 'sam' }),
    onData(stream, session, callback) {
      stream.resume();
      stream.on('end', () => {
        state.dataSeen++;
        if (state.hang) return; // never answers
        state.received.push(session.envelope.rcptTo.map((r) => r.address).join(','));
        callback();
      });
    },
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  return Object.assign(state, {
    port: (server.server.address() as AddressInfo).port,
    close: () => new Promise<void>((done) => server.close(() => done())),
  });
}

describe.each(dialects)('a hung SMTP server on %s', (dialect) => {
  let store: Store;
  let clock: FakeClock;
  let smtp: HungServer;
  beforeEach(async () => {
    store = await freshStore(dialect);
    clock = new FakeClock();
    clock.set(T0);
    await seedWorld(store, clock.now());
    smtp = await startHungServer();
  });
  afterEach(async () => {
    await smtp.close();
    await store.close();
  });

  it('costs one timeout per lane, says why, and every email goes once when it answers again', async () => {
    await addSmtpMailbox(store, SELLER, smtp.port, clock.now(), {
      daily: 10_000,
      hourly: 10_000,
      spacingSeconds: 0,
    });
    const scenario = await seedSequence(store, clock.now());
    for (let i = 0; i < EMAILS; i++)
      await queueEmail(store, scenario, clock.now(), { email: `p${i}@d${i}.test` });

    const hungDelivery = deliveryFor(store, clock, { transportFactory: oneShotTransportFactory(2_000) });
    try {
      await hungDelivery.drain();
    } finally {
      hungDelivery.close();
    }
    expect(smtp.dataSeen).toBeLessThanOrEqual(SEND_CONCURRENCY);
    const rows = await store.db
      .selectFrom('outbound_messages')
      .select(['status', 'attempts', 'hold_reason'])
      .where('org_id', '=', ORG_ID)
      .execute();
    expect(rows.every((row) => row.status === 'queued')).toBe(true);
    const tried = rows.filter((row) => row.attempts === 1);
    expect(tried.length).toBeGreaterThan(0);
    expect(tried.length).toBeLessThanOrEqual(SEND_CONCURRENCY);
    for (const row of tried) expect(row.hold_reason).toContain('The SMTP server did not answer in time');
    for (const row of rows.filter((r) => r.attempts === 0))
      expect(row.hold_reason).toContain("the mailbox's SMTP server did not answer another email");

    // The server answers again: every email goes, each once (a generous timeout: the machine may be busy).
    smtp.hang = false;
    const delivery = deliveryFor(store, clock, { transportFactory: oneShotTransportFactory(60_000) });
    try {
      for (let round = 0; round < 5 && smtp.received.length < EMAILS; round++) {
        clock.advance(2 * MINUTE);
        await delivery.drain();
      }
    } finally {
      delivery.close();
    }
    expect(smtp.received.sort()).toEqual(Array.from({ length: EMAILS }, (_, i) => `p${i}@d${i}.test`).sort());
    const sent = await store.db
      .selectFrom('outbound_messages')
      .select('status')
      .where('org_id', '=', ORG_ID)
      .where('status', '=', 'sent')
      .execute();
    expect(sent).toHaveLength(EMAILS);
  }, 120_000);
});
