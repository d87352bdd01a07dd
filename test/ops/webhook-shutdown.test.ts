import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config.ts';
import { systemClock } from '../../src/engine/clock.ts';
import { encryptSecret } from '../../src/mail/secrets.ts';
import { startWebhookWorker } from '../../src/mail/webhooks.ts';
import { dialects, freshStore } from '../support/databases.ts';

const DELIVERIES = 600;

/** A subscriber that answers each POST after 100 ms and counts what it got. */
async function slowSubscriber() {
  const hits: string[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    request.on('end', () => {
      setTimeout(() => {
        hits.push(body);
        response.writeHead(204).end();
      }, 100);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    hits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe.each(dialects)('stopping the webhook loop with a backlog on %s', (dialect) => {
  it('returns after the batch in hand, not when the queue is empty; nothing is lost', async () => {
    const store = await freshStore(dialect);
    const subscriber = await slowSubscriber();
    const config = testConfig();
    try {
      const now = Date.now();
      await store.db
        .insertInto('webhooks')
        .values({
          org_id: 'org-1',
          id: 'hook-1',
          url: subscriber.url,
          secret: encryptSecret(config.secretKey, 'whsec'),
          events_json: '["*"]',
          enabled: 1,
          created_at: now,
        })
        .execute();
      const rows = Array.from({ length: DELIVERIES }, (_, i) => ({
        org_id: 'org-1',
        id: `d-${String(i).padStart(4, '0')}`,
        webhook_id: 'hook-1',
        event: 'connection.completed',
        payload_json: JSON.stringify({ n: i }),
        idempotency_key: `d-${i}`,
        status: 'pending' as const,
        attempts: 0,
        next_attempt_at: now - 1000,
        response_status: null,
        last_error: null,
        lease_owner: null,
        lease_until: null,
        created_at: now,
        updated_at: now,
      }));
      for (let i = 0; i < rows.length; i += 200) {
        await store.db
          .insertInto('webhook_deliveries')
          .values(rows.slice(i, i + 200))
          .execute();
      }
      // 600 deliveries, 10 at a time, 100 ms each: about 6 s to drain.
      const worker = startWebhookWorker({ store, clock: systemClock, config, batchSize: 10, pollMs: 20 });
      while (subscriber.hits.length < 10) await new Promise((resolve) => setTimeout(resolve, 10));
      const stoppingAt = Date.now();
      await worker.stop();
      expect(Date.now() - stoppingAt).toBeLessThan(1_500);

      const byStatus = await store.db
        .selectFrom('webhook_deliveries')
        .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy('status')
        .execute();
      const counts = Object.fromEntries(byStatus.map((row) => [row.status, Number(row.n)]));
      // Every delivery the subscriber got is marked delivered; the rest wait for the next worker.
      expect(counts.delivered).toBe(subscriber.hits.length);
      expect(counts.pending).toBe(DELIVERIES - subscriber.hits.length);
      expect(counts.pending).toBeGreaterThan(DELIVERIES / 2);
    } finally {
      await subscriber.close();
      await store.close();
    }
  });
});
