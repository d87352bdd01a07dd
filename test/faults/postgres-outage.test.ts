import { afterAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/db.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import {
  type Cluster,
  faultScale,
  freePort,
  killAll,
  pause,
  type SmtpSink,
  type StepwiseProcess,
  spawnStepwise,
  startCluster,
  startSink,
  tally,
} from './harness.ts';
import { connectLeads, seedEmailWorld } from './outage-world.ts';

/**
 * PostgreSQL stopped and started again under load: `serve --no-worker` and three `worker` processes are
 * delivering automated emails to a loopback SMTP sink when PostgreSQL shuts down (fast shutdown: every
 * connection is terminated) for a few seconds. Every process must ride it out, `/api/ready` must say so, and
 * afterwards every email must have arrived — the only duplicates allowed are exchanges that were inside SMTP
 * when the database went away (at most one per connection in flight: workers × SMTP connections per worker).
 */
const EMAILS = faultScale(600, 3000);
const OUTAGE_MS = faultScale(5_000, 10_000);
/**
 * Longer than the outage: the promise under test (docs/email.md) is for an outage shorter than the lease, when the
 * worker that sent an email records it as soon as the database answers. With a lease as long as the outage, other
 * workers took over emails whose `sent` was still being retried, and the duplicates went past the in-flight bound
 * now and then (24 and 28 of 600 in full runs at load; 0 and 8 in others).
 */
const LEASE_MS = OUTAGE_MS * 3;
const WORKERS = 3;
/** SMTP connections one worker keeps in flight (SEND_CONCURRENCY in src/mail/delivery.ts). */
const SMTP_CONNECTIONS_PER_WORKER = 8;

let cluster: Cluster | undefined;
let sink: SmtpSink | undefined;
let store: Store | undefined;
afterAll(async () => {
  killAll();
  await store?.close().catch(() => undefined);
  await sink?.close();
  await cluster?.destroy();
});

async function readiness(port: number): Promise<number> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/api/ready`, { signal: AbortSignal.timeout(4000) });
    return response.status;
  } catch {
    return 0;
  }
}

describe('a PostgreSQL restart under load', () => {
  it(
    'keeps serve and 3 workers alive, reports not-ready meanwhile, and delivers every email',
    async () => {
      const t0 = Date.now();
      const phases: Record<string, number> = {};
      cluster = await startCluster('outage');
      phases.cluster = Date.now() - t0;
      sink = await startSink({ latencyMs: 30 });
      store = openStore(cluster.url, { onConnectionError: () => undefined });
      await migrateToLatest(store.db);
      const now = Date.now();
      const scenario = await seedEmailWorld(store, { smtpPort: sink.port, now });

      const env = {
        DATABASE_URL: cluster.url,
        WORKER_POLL_MS: '100',
        WORKER_LEASE_MS: String(LEASE_MS),
        WORKER_BATCH_SIZE: '50',
      };
      const httpPort = await freePort();
      const processes: StepwiseProcess[] = [
        spawnStepwise('serve', ['serve', '--no-worker'], { ...env, PORT: String(httpPort) }),
        ...Array.from({ length: WORKERS }, (_, i) => spawnStepwise(`worker-${i}`, ['worker'], env)),
      ];
      await Promise.all([
        processes[0]!.waitFor('Stepwise is serving', 60_000),
        ...processes.slice(1).map((p) => p.waitFor('engine worker started', 60_000)),
      ]);
      expect(await readiness(httpPort)).toBe(200);
      phases.processes = Date.now() - t0;

      const addresses = await connectLeads(store, scenario.sequenceId, { from: 0, to: EMAILS }, now);

      // Watch readiness the whole time.
      const seen: { at: number; status: number }[] = [];
      let watching = true;
      const watcher = (async () => {
        while (watching) {
          seen.push({ at: Date.now(), status: await readiness(httpPort) });
          await pause(250);
        }
      })();

      // Under load: stop PostgreSQL once a tenth of the emails are out.
      const loadDeadline = Date.now() + 60_000;
      while (sink.received.length < EMAILS / 10 && Date.now() < loadDeadline) await pause(20);
      expect(sink.received.length).toBeGreaterThanOrEqual(EMAILS / 10);
      const stoppedAt = Date.now();
      phases.stop = stoppedAt - t0;
      await cluster.stop();
      const receivedAtStop = sink.received.length;
      await pause(OUTAGE_MS);
      await cluster.start();
      const startedAt = Date.now();

      // Everything arrives, and nothing is left to send (so no further resend can come after we count).
      const deadline = Date.now() + faultScale(60_000, 120_000);
      let pending = -1;
      while (Date.now() < deadline) {
        if (tally(sink.received).distinctRecipients >= EMAILS) {
          const left = await store.db
            .selectFrom('outbound_messages')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('status', '!=', 'sent')
            .executeTakeFirstOrThrow()
            .catch(() => ({ n: -1 }));
          pending = Number(left.n);
          if (pending === 0) break;
        }
        await pause(200);
      }
      await pause(500);
      // Readiness is judged from 3 s after the restart: keep watching at least that long, however fast the
      // emails went out (without lease takeovers they are all out within a second or two).
      while (Date.now() < startedAt + 4_000) await pause(100);
      watching = false;
      await watcher;

      const dead = processes.filter((p) => !p.alive()).map((p) => `${p.name}:\n${p.output().slice(-2000)}`);
      expect(dead).toEqual([]);

      const during = seen.filter((s) => s.at > stoppedAt + 1000 && s.at < startedAt - 500);
      const after = seen.filter((s) => s.at > startedAt + 3000);
      expect(during.length).toBeGreaterThan(0);
      expect(during.every((s) => s.status === 503)).toBe(true);
      expect(after.length).toBeGreaterThan(0);
      expect(after.at(-1)?.status).toBe(200);

      const counts = tally(sink.received);
      const inFlightBound = WORKERS * SMTP_CONNECTIONS_PER_WORKER;
      // Diagnostics for the report when an assertion fails.
      console.log(
        JSON.stringify({ emails: EMAILS, receivedAtStop, ...counts, inFlightBound, pending, phases }),
      );
      expect(pending).toBe(0);
      expect(counts.distinctRecipients).toBe(EMAILS);
      expect(new Set(sink.received.flatMap((m) => m.to))).toEqual(new Set(addresses));
      expect(counts.distinctMessageIds).toBe(EMAILS);
      // Each recipient got the email with their own token in it.
      for (const message of sink.received) {
        const token = message.to[0]!.split('@')[0]!;
        expect(message.subject).toBe(`Token ${token}`);
        expect(message.raw).toContain(`Hello ${token}, this is your token.`);
      }
      // A resend carries the same Message-ID; the duplicates are bounded by the exchanges in flight.
      expect(counts.duplicateRecipients).toBe(counts.duplicateMessageIds);
      expect(counts.duplicateMessageIds).toBeLessThanOrEqual(inFlightBound);
    },
    faultScale(150_000, 300_000),
  );
});
