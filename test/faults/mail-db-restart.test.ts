import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/db.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import {
  type Cluster,
  killAll,
  pause,
  type StepwiseProcess,
  spawnStepwise,
  startCluster,
} from './harness.ts';
import { connectLeads, seedEmailWorld } from './outage-world.ts';

/**
 * The worst moment for the database to go away: a real `stepwise worker` has handed an email to a real SMTP server,
 * the server has taken the DATA, and PostgreSQL stops (fast shutdown, every connection ended) before the server's
 * 250 reaches the worker, then starts again. The email is out, but `sent` cannot be written. The old worker gave
 * the batch up, the email stayed `sending`, and when its lease ran out it was sent a second time. Now the worker
 * keeps trying to record it until the database is back: every email arrives once, the worker never restarts.
 */
const EMAILS = 12;
const LEASE_MS = 30_000;

let cluster: Cluster | undefined;
let store: Store | undefined;
let smtp: SMTPServer | undefined;
afterAll(async () => {
  killAll();
  await store?.close().catch(() => undefined);
  await new Promise<void>((done) => (smtp ? smtp.close(() => done()) : done()));
  await cluster?.destroy();
});

describe('PostgreSQL stops between the SMTP DATA and its 250', () => {
  it('the worker records the email once the database is back, and nothing is sent twice', async () => {
    cluster = await startCluster('mail-restart');
    const received: string[] = [];
    let outage: Promise<void> | null = null;
    smtp = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      authOptional: true,
      logger: false,
      onAuth: (_auth, _session, callback) => callback(null, { user: 'sam' }),
      onData(stream, session, callback) {
        stream.resume();
        stream.on('end', async () => {
          received.push(session.envelope.rcptTo.map((r) => r.address).join(','));
          if (!outage) {
            // The first DATA is in: the database goes away before the 250 is answered, and comes back after it.
            outage = (cluster as Cluster).stop();
            await outage;
            setTimeout(() => void (cluster as Cluster).start(), 1_000);
          }
          callback();
        });
      },
    });
    await new Promise<void>((done) => smtp?.listen(0, '127.0.0.1', () => done()));
    const smtpPort = (smtp.server.address() as AddressInfo).port;

    store = openStore(cluster.url, { onConnectionError: () => undefined });
    await migrateToLatest(store.db);
    const now = Date.now();
    const scenario = await seedEmailWorld(store, { smtpPort, now });
    const worker: StepwiseProcess = spawnStepwise('worker', ['worker'], {
      DATABASE_URL: cluster.url,
      WORKER_POLL_MS: '100',
      WORKER_LEASE_MS: String(LEASE_MS),
      WORKER_BATCH_SIZE: '50',
    });
    await worker.waitFor('engine worker started', 90_000);
    const addresses = await connectLeads(store, scenario.sequenceId, { from: 0, to: EMAILS }, now);

    // Until every email is `sent`: then nothing is left that could be sent again after we count.
    const deadline = Date.now() + 150_000;
    let unsent = -1;
    while (Date.now() < deadline) {
      if (outage && new Set(received).size >= EMAILS) {
        const left = await store.db
          .selectFrom('outbound_messages')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('status', '!=', 'sent')
          .executeTakeFirstOrThrow()
          .catch(() => ({ n: -1 }));
        const total = await store.db
          .selectFrom('outbound_messages')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
          .catch(() => ({ n: -1 }));
        unsent = Number(left.n);
        if (unsent === 0 && Number(total.n) === EMAILS) break;
      }
      await pause(200);
    }
    expect(worker.alive()).toBe(true);
    expect(unsent).toBe(0);
    expect(received.sort()).toEqual([...addresses].sort());
    const timeline = await store.db
      .selectFrom('timeline_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('kind', '=', 'email_sent')
      .executeTakeFirstOrThrow();
    expect(Number(timeline.n)).toBe(EMAILS);
    await worker.kill('SIGTERM');
  }, 300_000);
});
