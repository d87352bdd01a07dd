import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config.ts';
import { type Clock, systemClock } from '../../src/engine/clock.ts';
import { MailDelivery } from '../../src/mail/delivery.ts';
import type { Store } from '../../src/store/db.ts';
import {
  addSmtpMailbox,
  type LoopbackSmtp,
  PUBLIC_URL,
  queueEmail,
  SECRET_KEY,
  SELLER,
  seedSequence,
  startSmtp,
} from '../mail/mail-fixtures.ts';
import { freshStore } from '../support/databases.ts';
import { seedWorld } from '../support/world.ts';

const messageIdOf = (raw: Buffer) => /^Message-ID:\s*(<[^>]+>)/im.exec(raw.toString('utf8'))?.[1] ?? '';

/**
 * Two delivery workers on one PostgreSQL database, one of them on a machine whose clock runs 90 s ahead (NTP
 * broken, a VM resumed). Leases are compared against each worker's own clock, so the one ahead saw every email
 * the other had on the wire as abandoned and sent it again: on the old code all 40 emails arrived twice. Now a
 * worker whose clock is off the database server's by more than a quarter of the lease claims no email and logs
 * why; the worker on time delivers each email once.
 */
describe('two delivery workers whose clocks disagree (postgres)', () => {
  let store: Store;
  let smtp: LoopbackSmtp;
  beforeEach(async () => {
    store = await freshStore('postgres');
    await seedWorld(store, Date.now());
  });
  afterEach(async () => {
    await smtp?.close();
    await store.close();
  });

  it('a worker whose clock runs 90 s ahead sends nothing twice', async () => {
    smtp = await startSmtp({ latencyMs: 150 });
    await addSmtpMailbox(store, SELLER, smtp.port, Date.now(), {
      daily: 100_000,
      hourly: 10_000,
      spacingSeconds: 0,
    });
    const scenario = await seedSequence(store, Date.now());
    const total = 40;
    for (let i = 0; i < total; i++)
      await queueEmail(store, scenario, Date.now(), { email: `p${i}@d${i}.test` });
    const ahead: Clock = { now: () => Date.now() + 90_000 };
    const logged: string[] = [];
    const logger = { info() {}, error: (_obj: object, msg?: string) => void logged.push(`${msg}`) };
    const worker = (workerId: string, clock: Clock) =>
      new MailDelivery({
        store,
        clock,
        workerId,
        logger,
        clockCheck: true,
        config: {
          secretKey: SECRET_KEY,
          publicUrl: PUBLIC_URL,
          smtpUrl: undefined,
          outboundAllowList: testConfig().outboundAllowList,
          worker: { batchSize: 100, leaseMs: 60_000, pollMs: 50 },
        },
      });
    const workers = [worker('on-time', systemClock), worker('ahead', ahead)];
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
    const sending = async () =>
      Number(
        (
          await store.db
            .selectFrom('outbound_messages')
            .select(store.db.fn.countAll<number>().as('n'))
            .where('status', '=', 'sending')
            .executeTakeFirstOrThrow()
        ).n,
      );
    try {
      const deadline = Date.now() + 90_000;
      await Promise.all(
        workers.map(async (w, index) => {
          // The worker on time starts; the one ahead joins while emails are on the wire.
          if (index === 1)
            while (Date.now() < deadline && (await sending()) === 0 && (await left()) > 0)
              await new Promise((r) => setTimeout(r, 5));
          do {
            await w.drain();
            await new Promise((resolve) => setTimeout(resolve, 20));
          } while (Date.now() < deadline && (await left()) > 0);
        }),
      );
    } finally {
      for (const w of workers) w.close();
    }
    const ids = smtp.received.map((m) => messageIdOf(m.raw));
    expect(new Set(ids).size).toBe(total);
    expect(ids).toHaveLength(total);
    // The operator is told which machine and why, not left to find duplicates in the prospects' inboxes.
    expect(logged.some((line) => /clock is \d+ s ahead of the database server's/.test(line))).toBe(true);
  }, 120_000);
});
