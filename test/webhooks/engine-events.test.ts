import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config.ts';
import { ENGINE_WEBHOOK_EVENTS } from '../../src/domain/webhooks/events.ts';
import { deliverDueWebhooks } from '../../src/mail/webhooks.ts';
import { CALLS_ONLY, engineOf, insertSequence, stepsOfRecord } from '../connections/helpers.ts';
import { dialects } from '../support/databases.ts';
import { createWorld, ORG_ID, type World } from '../support/world.ts';
import { startHookServer } from './hook-server.ts';

const SECRET_KEY = testConfig().secretKey;

async function connectNewLead(world: World, sequenceId: string): Promise<string> {
  const created = await world.as('eastSeller', 'POST', '/api/records', { type: 'lead', name: 'Ada' });
  expect(created.statusCode).toBe(201);
  const recordId = created.json().id as string;
  const connected = await world.as('eastSeller', 'POST', `/api/records/${recordId}/connection`, {
    sequenceId,
  });
  expect(connected.statusCode).toBe(201);
  return recordId;
}

describe.each(dialects)('engine webhooks on %s', (dialect) => {
  it('the UI default subscription and every advertised engine event reach a subscriber, signed, in one envelope', async () => {
    const world = await createWorld(dialect);
    const engine = engineOf(world);
    const hooks = await startHookServer();
    try {
      const advertised = (await world.as('eastAdmin', 'GET', '/api/webhooks')).json().events as string[];
      expect(advertised).toEqual(expect.arrayContaining([...ENGINE_WEBHOOK_EVENTS]));
      expect(advertised).not.toContain('connection.started');
      // Unknown names are refused; a prefix subscription is accepted.
      const bad = await world.as('eastAdmin', 'POST', '/api/webhooks', {
        url: hooks.url,
        events: ['connection.started'],
      });
      expect(bad.statusCode).toBe(400);
      const created = await world.as('eastAdmin', 'POST', '/api/webhooks', {
        url: hooks.url,
        events: ['connection.*', 'step.*'],
      });
      expect(created.statusCode).toBe(201);
      const secrets: Record<string, string> = { '/hook': (created.json() as { secret: string }).secret };
      // What the settings page subscribes to by default.
      const byDefault = await world.as('eastAdmin', 'POST', '/api/webhooks', {
        url: `${hooks.url}-default`,
        events: ['step.completed'],
      });
      expect(byDefault.statusCode).toBe(201);
      secrets['/hook-default'] = (byDefault.json() as { secret: string }).secret;

      const { sequenceId } = await insertSequence(world, CALLS_ONLY);
      const recordId = await connectNewLead(world, sequenceId);
      await engine.drain();
      const [first] = await stepsOfRecord(world, recordId);
      const completed = await world.as('eastSeller', 'POST', `/api/steps/${first!.id}/complete`, {
        outcome: 'connected',
      });
      expect(completed.statusCode).toBe(200);
      const second = (await stepsOfRecord(world, recordId)).find((s) => s.node_id === 'c2')!;
      expect((await world.as('eastSeller', 'POST', `/api/steps/${second.id}/skip`, {})).statusCode).toBe(200);

      await deliverDueWebhooks({
        store: world.store,
        clock: world.clock,
        config: { secretKey: SECRET_KEY, outboundAllowList: testConfig().outboundAllowList },
      });
      const bodies = hooks.hits.map((h) => ({ hit: h, body: JSON.parse(h.body) as Record<string, unknown> }));
      for (const { hit, body } of bodies) {
        const [, t, v1] =
          /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(hit.headers['x-stepwise-signature'])) ?? [];
        expect(createHmac('sha256', secrets[hit.path]!).update(`${t}.${hit.body}`).digest('hex')).toBe(v1);
        expect(Object.keys(body).sort()).toEqual(['data', 'event', 'id', 'occurredAt', 'orgId']);
        expect(body.orgId).toBe(ORG_ID);
        expect(body.occurredAt).toBe(new Date(world.clock.now()).toISOString());
        expect(hit.headers['x-stepwise-event']).toBe(body.event);
        expect(body.data).toMatchObject({ recordId, sequenceId });
      }
      const events = bodies.map(({ body }) => [
        body.event,
        (body.data as { nodeId?: string }).nodeId ?? null,
      ]);
      expect(events).toEqual(
        expect.arrayContaining([
          ['connection.connected', null],
          ['step.due', 'c1'],
          ['step.completed', 'c1'],
          ['step.due', 'c2'],
          ['step.skipped', 'c2'],
          ['connection.ended', null],
        ]),
      );
      // Both webhooks got step.completed: 6 events for the first, 1 for the default subscription.
      expect(events).toHaveLength(7);
      expect(events.filter(([e]) => e === 'step.completed')).toHaveLength(2);
      expect(hooks.hits.filter((h) => h.path === '/hook-default')).toHaveLength(1);
      const ended = bodies.find(({ body }) => body.event === 'connection.ended')!.body;
      expect(ended.data).toMatchObject({ status: 'completed', reason: 'completed' });
      // Envelope ids are stable per event: nothing is queued twice when the engine runs again.
      await engine.drain();
      const rows = await world.store.db.selectFrom('webhook_deliveries').select('id').execute();
      expect(rows).toHaveLength(7);
    } finally {
      await hooks.close();
      await engine.stop();
      await world.close();
    }
  });
});
