import { describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.ts';
import { createWorld, ORG_ID, USERS } from '../support/world.ts';

const TOKEN = 'metrics-token-0123456789';

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe.each(dialects)('/api/metrics on %s', (dialect) => {
  it('serves Prometheus text to the token or an admin: requests, latency, outbox, backlog and lag', async () => {
    const world = await createWorld(dialect, { config: { metrics: { token: TOKEN, public: false } } });
    try {
      const now = world.clock.now();
      await world.store.db
        .insertInto('scheduled_tasks')
        .values({
          org_id: ORG_ID,
          id: 'task-late',
          connection_id: 'conn-x',
          kind: 'wake',
          payload_json: '{}',
          idempotency_key: 'task-late',
          due_at: now - 90_000,
          status: 'pending',
          attempts: 0,
          last_error: null,
          lease_owner: null,
          lease_until: null,
          created_at: now,
          updated_at: now,
        })
        .execute();
      await world.store.db
        .insertInto('scheduled_tasks')
        .values({
          org_id: ORG_ID,
          id: 'task-dead',
          connection_id: 'conn-y',
          kind: 'wake',
          payload_json: '{}',
          idempotency_key: 'task-dead',
          due_at: now - 3_600_000,
          status: 'dead',
          attempts: 5,
          last_error: 'crashed its worker 5 times',
          lease_owner: null,
          lease_until: null,
          created_at: now,
          updated_at: now,
        })
        .execute();
      await world.store.db
        .insertInto('outbound_messages')
        .values({
          org_id: ORG_ID,
          id: 'msg-held',
          connection_id: null,
          step_instance_id: null,
          record_id: null,
          sender_user_id: USERS.eastSeller.id,
          to_address: 'someone@example.com',
          subject: 'Hi',
          body_html: '<p>Hi</p>',
          body_text: 'Hi',
          message_id: '<msg-held@stepwise.test>',
          idempotency_key: 'msg-held',
          status: 'held',
          hold_reason: 'daily_limit',
          template_id: null,
          variant: null,
          tracking: 0,
          not_before: now,
          attempts: 0,
          last_error: null,
          schedule_id: null,
          lease_owner: null,
          lease_until: null,
          sent_at: null,
          created_at: now,
          updated_at: now,
          raw_mime: null,
        })
        .execute();
      // Some traffic to count.
      expect((await world.as('eastSeller', 'GET', '/api/me')).statusCode).toBe(200);

      const anonymous = await world.app.inject({ method: 'GET', url: '/api/metrics' });
      expect(anonymous.statusCode).toBe(401);
      expect((await world.as('eastSeller', 'GET', '/api/metrics')).statusCode).toBe(403);
      const wrongToken = await world.app.inject({
        method: 'GET',
        url: '/api/metrics',
        headers: { authorization: 'Bearer not-the-metrics-token' },
      });
      expect(wrongToken.statusCode).toBe(401);

      const scraped = await world.app.inject({
        method: 'GET',
        url: '/api/metrics',
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(scraped.statusCode).toBe(200);
      expect(scraped.headers['content-type']).toContain('text/plain');
      const text = scraped.body;
      expect(
        sample(text, 'stepwise_http_requests_total{method="GET",route="/api/me",status="200"}'),
      ).toBeGreaterThanOrEqual(1);
      expect(text).toContain(
        'stepwise_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/api/me"}',
      );
      expect(sample(text, 'stepwise_outbox_messages{status="held"}')).toBe(1);
      expect(sample(text, 'stepwise_outbox_messages{status="queued"}')).toBe(0);
      expect(sample(text, 'stepwise_engine_due_tasks')).toBe(1);
      expect(sample(text, 'stepwise_engine_oldest_due_seconds')).toBe(90);
      expect(text).toContain('stepwise_engine_tasks_claimed_total');
      expect(sample(text, 'stepwise_engine_dead_tasks')).toBe(1);
      expect(sample(text, 'stepwise_webhook_deliveries{status="failed"}')).toBe(0);

      // An admin's session reads it too.
      expect((await world.as('eastAdmin', 'GET', '/api/metrics')).statusCode).toBe(200);

      // Prometheus's conventional /metrics answers the same, under the same rules.
      expect((await world.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
      expect((await world.as('eastSeller', 'GET', '/metrics')).statusCode).toBe(403);
      const conventional = await world.app.inject({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(conventional.statusCode).toBe(200);
      expect(sample(conventional.body, 'stepwise_outbox_messages{status="held"}')).toBe(1);
    } finally {
      await world.close();
    }
  });

  it('is open to anyone with METRICS_PUBLIC=true', async () => {
    const world = await createWorld(dialect, { config: { metrics: { token: undefined, public: true } } });
    try {
      const response = await world.app.inject({ method: 'GET', url: '/api/metrics' });
      expect(response.statusCode).toBe(200);
      expect(response.body).toContain('stepwise_outbox_messages');
    } finally {
      await world.close();
    }
  });
});
