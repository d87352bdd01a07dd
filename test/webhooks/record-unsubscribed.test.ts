import { createHmac } from 'node:crypto';
import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config.ts';
import { WEBHOOK_EVENT_DATA } from '../../src/domain/webhooks/events.ts';
import { MINUTE } from '../../src/engine/clock.ts';
import { deliverDueWebhooks } from '../../src/mail/webhooks.ts';
import {
  addSmtpMailbox,
  deliveryFor,
  type LoopbackSmtp,
  queueEmail,
  type Recipient,
  SELLER,
  seedSequence,
  startSmtp,
} from '../mail/mail-fixtures.ts';
import { dialects } from '../support/databases.ts';
import { createWorld, ORG_ID, type World } from '../support/world.ts';
import { startHookServer } from './hook-server.ts';

/**
 * `record.unsubscribed`: a recipient who unsubscribes through the link in an email is reported to a real
 * subscriber, signed, in the one envelope, once (a second click queues nothing), beside `email.unsubscribed`.
 */
const config = testConfig();

describe.each(dialects)('record.unsubscribed on %s', (dialect) => {
  let world: World;
  let smtp: LoopbackSmtp;
  let lead: Recipient;
  let hooks: Awaited<ReturnType<typeof startHookServer>>;
  let unsubscribePath = '';

  beforeEach(async () => {
    world = await createWorld(dialect);
    smtp = await startSmtp();
    hooks = await startHookServer();
    await addSmtpMailbox(world.store, SELLER, smtp.port, world.clock.now());
    const scenario = await seedSequence(world.store, world.clock.now());
    lead = await queueEmail(world.store, scenario, world.clock.now(), { email: 'ada@customer.test' });
    const delivery = deliveryFor(world.store, world.clock);
    await delivery.drain();
    delivery.close();
    const sent = await simpleParser(smtp.received[0]!.raw);
    const header = sent.headerLines.find((line) => line.key === 'list-unsubscribe')!.line;
    unsubscribePath = new URL(header.replace(/^[^<]*<|>.*$/g, '')).pathname;
  });
  afterEach(async () => {
    await hooks.close();
    await smtp.close();
    await world.close();
  });

  const deliver = () =>
    deliverDueWebhooks({
      store: world.store,
      clock: world.clock,
      config: { secretKey: config.secretKey, outboundAllowList: config.outboundAllowList },
    });

  it('the unsubscribe page’s button sends a signed record.unsubscribed, once', async () => {
    const created = await world.as('eastAdmin', 'POST', '/api/webhooks', {
      url: hooks.url,
      events: ['record.*'],
    });
    expect(created.statusCode).toBe(201);
    const secret = (created.json() as { secret: string }).secret;
    world.clock.advance(MINUTE);

    const confirm = () =>
      world.app.inject({
        method: 'POST',
        url: unsubscribePath,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'confirm=yes',
      });
    expect((await confirm()).statusCode).toBe(200);
    expect((await confirm()).statusCode).toBe(200); // clicked twice: still one event
    await deliver();

    expect(hooks.hits).toHaveLength(1);
    const hit = hooks.hits[0]!;
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(hit.headers['x-stepwise-signature'])) ?? [];
    expect(createHmac('sha256', secret).update(`${t}.${hit.body}`).digest('hex')).toBe(v1);
    const body = JSON.parse(hit.body) as Record<string, unknown> & { data: Record<string, unknown> };
    expect(Object.keys(body).sort()).toEqual(['data', 'event', 'id', 'occurredAt', 'orgId']);
    expect(body).toMatchObject({
      event: 'record.unsubscribed',
      orgId: ORG_ID,
      occurredAt: new Date(world.clock.now()).toISOString(),
    });
    expect(hit.headers['x-stepwise-delivery']).toBe(body.id);
    expect(body.data).toEqual({
      recordId: lead.recordId,
      address: 'ada@customer.test',
      source: 'page',
      outboundMessageId: lead.outboundId,
      connectionId: lead.connectionId,
    });
    expect(WEBHOOK_EVENT_DATA['record.unsubscribed'].safeParse(body.data).error).toBeUndefined();
  });

  it('is advertised by the API and described in the OpenAPI document', async () => {
    const advertised = (await world.as('eastAdmin', 'GET', '/api/webhooks')).json().events as string[];
    expect(advertised).toContain('record.unsubscribed');
    const doc = (await world.as('eastAdmin', 'GET', '/api/openapi.json')).json() as {
      webhooks: Record<string, { post: { requestBody: { content: Record<string, { schema: unknown }> } } }>;
    };
    const schema = doc.webhooks['record.unsubscribed']?.post.requestBody.content['application/json']
      ?.schema as { properties: Record<string, { properties?: Record<string, unknown> }> };
    expect(Object.keys(schema.properties.data?.properties ?? {}).sort()).toEqual([
      'address',
      'connectionId',
      'outboundMessageId',
      'recordId',
      'source',
    ]);
  });
});
