import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config.ts';
import { FakeClock, MINUTE, systemClock } from '../../src/engine/clock.ts';
import { startEngineWorker } from '../../src/engine/worker.ts';
import { MailDelivery } from '../../src/mail/delivery.ts';
import type { Store } from '../../src/store/db.ts';
import { newId } from '../../src/store/ids.ts';
import { connectNew, definition, T0 } from '../engine/engine-fixtures.ts';
import { dialects, freshStore } from '../support/databases.ts';
import { ORG_ID, seedWorld } from '../support/world.ts';
import {
  addSmtpMailbox,
  deliveryFor,
  type LoopbackSmtp,
  PUBLIC_URL,
  queueEmail,
  SECRET_KEY,
  SELLER,
  seedSequence,
  startSmtp,
} from './mail-fixtures.ts';

/**
 * Issue 21, items 2, 3, 4 and 7, against a real SMTP server on loopback: a slow relay with three workers sends
 * each email once; a failed or cut attempt is resent byte for byte (same Message-ID, Date, body, one pixel);
 * E1, E2, E3 with 0-hour waits arrive in that order. Counted at the sink by Message-ID and by content.
 */
/** No deliverability limit gets in the way: these tests are about duplicates and order. */
const UNLIMITED = { daily: 100_000, hourly: 10_000, spacingSeconds: 0 };
const messageIdOf = (raw: Buffer) => /^Message-ID:\s*(<[^>]+>)/im.exec(raw.toString('utf8'))?.[1] ?? '';

describe.each(dialects)('delivery under faults on %s', (dialect) => {
  let store: Store;
  let clock: FakeClock;
  let smtp: LoopbackSmtp;

  beforeEach(async () => {
    store = await freshStore(dialect);
    clock = new FakeClock();
    clock.set(T0);
    await seedWorld(store, clock.now());
  });
  afterEach(async () => {
    await smtp.close();
    await store.close();
  });

  for (const fault of ['451 temporary rejection', 'connection cut after DATA'] as const) {
    it(`a retry after a ${fault} is byte-identical and tracked once`, async () => {
      smtp = await startSmtp();
      await addSmtpMailbox(store, SELLER, smtp.port, clock.now());
      const scenario = await seedSequence(store, clock.now());
      await queueEmail(store, scenario, clock.now(), {
        email: 'ada@customer.test',
        firstName: '{{ 6 | times: 7 }}',
      });
      if (fault === '451 temporary rejection') smtp.rejectNext(451, 'Greylisted, try again later');
      else smtp.dropNext();
      const delivery = deliveryFor(store, clock);
      try {
        const first = await delivery.drain();
        expect(first).toMatchObject({ sent: 0, retried: 1 });
        clock.advance(2 * MINUTE);
        clock.advance(1); // the resend happens at another time: its Date must still be the first attempt's
        expect((await delivery.drain()).sent).toBe(1);
      } finally {
        delivery.close();
      }
      expect(smtp.attempted).toHaveLength(1);
      expect(smtp.received).toHaveLength(1);
      const failed = smtp.attempted[0] as Buffer;
      const resent = smtp.received[0]?.raw as Buffer;
      expect(resent.equals(failed)).toBe(true);
      const html = String((await simpleParser(resent)).html);
      expect(html.match(/\/t\/o\//g)).toHaveLength(1);
      expect(html.match(/\/t\/c\//g)).toHaveLength(1); // one link, wrapped once
      expect(html).toContain('{{ 6 | times: 7 }}');
    });
  }

  it('E1, E2, E3 with 0-hour waits arrive in order for every recipient', async () => {
    smtp = await startSmtp({ latencyMs: 5 });
    await addSmtpMailbox(store, SELLER, smtp.port, clock.now(), UNLIMITED);
    const templateOf = async (n: number) => {
      const id = newId(T0);
      await store.db
        .insertInto('email_templates')
        .values({
          org_id: ORG_ID,
          id,
          name: `E${n}`,
          language: 'en',
          subject: `E${n} for {{ record.email }}`,
          body_html: `<p>Email ${n}</p>`,
          body_text: null,
          record_type: 'lead',
          owner_id: null,
          builtin: 0,
          created_at: T0,
          updated_at: T0,
        })
        .execute();
      return id;
    };
    const [e1, e2, e3] = [await templateOf(1), await templateOf(2), await templateOf(3)];
    const def = definition({
      start: 'e1',
      nodes: [
        { id: 'e1', kind: 'automated_email', name: 'E1', templateId: e1, next: 'w1' },
        { id: 'w1', kind: 'wait', name: 'Wait', days: 0, hours: 0, next: 'e2' },
        { id: 'e2', kind: 'automated_email', name: 'E2', templateId: e2, next: 'w2' },
        { id: 'w2', kind: 'wait', name: 'Wait', days: 0, hours: 0, next: 'e3' },
        { id: 'e3', kind: 'automated_email', name: 'E3', templateId: e3, next: null },
      ],
    });
    const recipients = Array.from({ length: 12 }, (_, i) => `r${i}@d${i}.test`);
    for (const email of recipients) await connectNew(store, def, { email }, T0);
    const engine = startEngineWorker(
      {
        store,
        clock,
        logger: { debug() {}, info() {}, warn() {}, error() {} },
        config: testConfig({ databaseUrl: store.url }),
        workerId: 'order-engine',
      },
      { loop: false },
    );
    const delivery = deliveryFor(store, clock);
    try {
      for (let round = 0; round < 6; round++) {
        await engine.drain();
        await delivery.drain();
        clock.advance(MINUTE);
      }
    } finally {
      delivery.close();
      await engine.stop();
    }
    const subjects = await Promise.all(
      smtp.received.map(async (m) => String((await simpleParser(m.raw)).subject)),
    );
    expect(subjects).toHaveLength(recipients.length * 3);
    for (const email of recipients) {
      expect(subjects.filter((s) => s.endsWith(email))).toEqual([
        `E1 for ${email}`,
        `E2 for ${email}`,
        `E3 for ${email}`,
      ]);
    }
  });

  it('a slow relay (1 s per message) with three workers and short leases sends every email once', async () => {
    // A batch (48 emails over 8 SMTP connections: 6 s) outlasts the lease twice over, so only renewal keeps the
    // other workers off. The lease is 3 s, renewed every second: a busy machine (CI at load 10+) may stall this
    // process for a few hundred ms, which with the former 600 ms lease let a worker take emails still on the wire.
    smtp = await startSmtp({ latencyMs: 1000 });
    await addSmtpMailbox(store, SELLER, smtp.port, clock.now(), UNLIMITED);
    const scenario = await seedSequence(store, clock.now());
    const total = 48;
    for (let i = 0; i < total; i++)
      await queueEmail(store, scenario, clock.now(), { email: `lead${i}@d${i}.test` });
    // Real time: leases must run out for real (the old code's 1 s lease expired while the batch was on the wire).
    const workers = ['w1', 'w2', 'w3'].map(
      (workerId) =>
        new MailDelivery({
          store,
          clock: systemClock,
          workerId,
          config: {
            secretKey: SECRET_KEY,
            publicUrl: PUBLIC_URL,
            smtpUrl: undefined,
            outboundAllowList: testConfig().outboundAllowList,
            worker: { batchSize: 500, leaseMs: 3000, pollMs: 50 },
          },
        }),
    );
    try {
      // Each worker keeps draining until nothing is left, like the polling loop (at most 90 s).
      const deadline = Date.now() + 90_000;
      const left = async () =>
        Number(
          (
            await store.db
              .selectFrom('outbound_messages')
              .select(store.db.fn.countAll<number>().as('n'))
              .where('status', 'in', ['queued', 'sending'])
              .executeTakeFirstOrThrow()
          ).n,
        );
      await Promise.all(
        workers.map(async (worker) => {
          while (Date.now() < deadline && (await left()) > 0) {
            await worker.drain();
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
        }),
      );
    } finally {
      for (const worker of workers) worker.close();
    }
    const ids = smtp.received.map((m) => messageIdOf(m.raw));
    const recipientsSeen = smtp.received.map((m) => m.to.join(','));
    expect(new Set(ids).size).toBe(total);
    expect(ids).toHaveLength(total);
    expect(new Set(recipientsSeen).size).toBe(total);
    const timeline = await store.db
      .selectFrom('timeline_events')
      .select(store.db.fn.countAll<number>().as('n'))
      .where('kind', '=', 'email_sent')
      .executeTakeFirstOrThrow();
    expect(Number(timeline.n)).toBe(total);
  }, 120_000);
});
