import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config.ts';
import {
  WEBHOOK_EVENT_DATA,
  WEBHOOK_EVENTS,
  type WebhookEventName,
} from '../../src/domain/webhooks/events.ts';
import { HOUR } from '../../src/engine/clock.ts';
import { silentLogger } from '../../src/engine/engine-deps.ts';
import { type EngineWorker, startEngineWorker } from '../../src/engine/worker.ts';
import { deliverDueWebhooks } from '../../src/mail/webhooks.ts';
import { newId } from '../../src/store/ids.ts';
import { CALLS_ONLY, insertSequence, stepsOfRecord } from '../connections/helpers.ts';
import { connectNew, definition, T0 } from '../engine/engine-fixtures.ts';
import { addSmtpMailbox, deliveryFor, SELLER, startSmtp } from '../mail/mail-fixtures.ts';
import { dialects } from '../support/databases.ts';
import { createWorld, ORG_ID, USERS, type World } from '../support/world.ts';
import { startHookServer } from './hook-server.ts';

/**
 * The events added to the vocabulary for state changes outside the happy path: a step snoozed or handed to
 * another seller, a connection paused and resumed (by a seller, or by a held email and its release), an email
 * held. Each reaches a real subscriber, signed, in the one envelope, and its `data` matches the schema the
 * OpenAPI document publishes for it.
 */
const config = testConfig();

interface Received {
  event: WebhookEventName;
  data: Record<string, unknown>;
}

async function subscribe(world: World, url: string): Promise<string> {
  const created = await world.as('eastAdmin', 'POST', '/api/webhooks', { url, events: ['*'] });
  expect(created.statusCode).toBe(201);
  return (created.json() as { secret: string }).secret;
}

/** Delivers everything queued and returns the bodies, each checked: signature, envelope, schema of its data. */
async function deliver(world: World, hooks: Awaited<ReturnType<typeof startHookServer>>, secret: string) {
  await deliverDueWebhooks({
    store: world.store,
    clock: world.clock,
    config: { secretKey: config.secretKey, outboundAllowList: config.outboundAllowList },
  });
  return hooks.hits.map((hit): Received => {
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(hit.headers['x-stepwise-signature'])) ?? [];
    expect(createHmac('sha256', secret).update(`${t}.${hit.body}`).digest('hex')).toBe(v1);
    const body = JSON.parse(hit.body) as Record<string, unknown> & Received;
    expect(Object.keys(body).sort()).toEqual(['data', 'event', 'id', 'occurredAt', 'orgId']);
    expect(body.orgId).toBe(ORG_ID);
    expect(WEBHOOK_EVENTS).toContain(body.event);
    expect(WEBHOOK_EVENT_DATA[body.event].safeParse(body.data).error).toBeUndefined();
    return { event: body.event, data: body.data };
  });
}

describe.each(dialects)('state-change webhooks on %s', (dialect) => {
  let world: World;
  let hooks: Awaited<ReturnType<typeof startHookServer>>;
  let engine: EngineWorker;
  beforeEach(async () => {
    world = await createWorld(dialect);
    world.clock.set(T0);
    hooks = await startHookServer();
    engine = startEngineWorker(
      {
        store: world.store,
        clock: world.clock,
        logger: silentLogger,
        config: testConfig({ databaseUrl: world.store.url }),
        workerId: `hooks-${newId()}`,
      },
      { loop: false },
    );
  });
  afterEach(async () => {
    await engine.stop();
    await hooks.close();
    await world.close();
  });

  it('step.snoozed, step.assigned, connection.paused and connection.resumed reach a subscriber', async () => {
    const secret = await subscribe(world, hooks.url);
    const { sequenceId } = await insertSequence(world, CALLS_ONLY);
    const created = await world.as('eastSeller', 'POST', '/api/records', { type: 'lead', name: 'Ada' });
    const recordId = created.json().id as string;
    expect(
      (await world.as('eastSeller', 'POST', `/api/records/${recordId}/connection`, { sequenceId }))
        .statusCode,
    ).toBe(201);
    await engine.drain();
    const [step] = await stepsOfRecord(world, recordId);
    const until = T0 + 5 * HOUR;
    expect(
      (await world.as('eastSeller', 'POST', `/api/steps/${step!.id}/snooze`, { until })).statusCode,
    ).toBe(200);
    await engine.drain();
    const assigned = await world.as('eastSeller', 'POST', `/api/steps/${step!.id}/assign`, {
      userId: USERS.eastSeller2.id,
    });
    expect(assigned.statusCode).toBe(200);
    await engine.drain();
    const connectionId = (
      await world.store.db
        .selectFrom('connections')
        .select('id')
        .where('record_id', '=', recordId)
        .executeTakeFirstOrThrow()
    ).id;
    expect(
      (await world.as('eastSeller', 'POST', `/api/connections/${connectionId}/pause`, {})).statusCode,
    ).toBe(200);
    expect(
      (await world.as('eastSeller', 'POST', `/api/connections/${connectionId}/resume`, {})).statusCode,
    ).toBe(200);

    const received = await deliver(world, hooks, secret);
    const ref = { connectionId, recordId, sequenceId };
    const of = (event: WebhookEventName) => received.filter((r) => r.event === event).map((r) => r.data);
    expect(of('step.snoozed')).toEqual([
      {
        ...ref,
        nodeId: 'c1',
        kind: 'phone_call',
        actorId: USERS.eastSeller.id,
        until: new Date(until).toISOString(),
      },
    ]);
    expect(of('step.assigned')).toEqual([
      {
        ...ref,
        nodeId: 'c1',
        kind: 'phone_call',
        actorId: USERS.eastSeller.id,
        ownerId: USERS.eastSeller2.id,
      },
    ]);
    expect(of('connection.paused')).toEqual([{ ...ref, reason: 'manual', actorId: USERS.eastSeller.id }]);
    expect(of('connection.resumed')).toEqual([{ ...ref, reason: 'manual', actorId: USERS.eastSeller.id }]);
  });

  it('email.held pauses the connection (connection.paused, email_held); the release resumes it', async () => {
    const smtp = await startSmtp();
    const mail = deliveryFor(world.store, world.clock);
    try {
      await addSmtpMailbox(world.store, SELLER, smtp.port, T0);
      const secret = await subscribe(world, hooks.url);
      const templateId = newId(T0);
      await world.store.db
        .insertInto('email_templates')
        .values({
          org_id: ORG_ID,
          id: templateId,
          name: 'Intro',
          language: 'en',
          subject: 'Hello {{ record.first_name }}',
          body_html: '<p>Hi {{ record.first_name }}</p>',
          body_text: null,
          record_type: 'lead',
          owner_id: null,
          builtin: 0,
          created_at: T0,
          updated_at: T0,
        })
        .execute();
      const def = definition({
        start: 'a1',
        nodes: [
          { id: 'a1', kind: 'automated_email', name: 'Intro', templateId, next: 't1' },
          { id: 't1', kind: 'task', name: 'Book a meeting', next: null },
        ],
      });
      const { connectionId, recordId } = await connectNew(
        world.store,
        def,
        { email: 'jan@wisla.test', first_name: null, name: 'Jan Kowalski' },
        T0,
      );
      await engine.drain();
      await mail.drain();
      const held = (await world.as('eastSeller', 'GET', `/api/outbox?recordId=${recordId}`)).json().items[0];
      expect(held).toMatchObject({ status: 'held' });
      const released = await world.as('eastSeller', 'POST', `/api/outbox/${held.id}/release`, {
        subject: 'Hello Jan',
        html: '<p>Hi Jan</p>',
      });
      expect(released.statusCode).toBe(200);

      const received = await deliver(world, hooks, secret);
      const heldEvent = received.find((r) => r.event === 'email.held');
      expect(heldEvent?.data).toMatchObject({ outboundMessageId: held.id, recordId, connectionId });
      expect(String(heldEvent?.data.reason)).toContain('first_name');
      expect(received.find((r) => r.event === 'connection.paused')?.data).toMatchObject({
        connectionId,
        reason: 'email_held',
        actorId: null,
      });
      expect(received.find((r) => r.event === 'connection.resumed')?.data).toMatchObject({
        connectionId,
        reason: 'email_released',
        actorId: SELLER,
      });
    } finally {
      mail.close();
      await smtp.close();
    }
  });
});

describe('the OpenAPI document', () => {
  it('describes every advertised event under `webhooks`, with the envelope and its data schema', async () => {
    const world = await createWorld('sqlite');
    try {
      const doc = (await world.as('eastAdmin', 'GET', '/api/openapi.json')).json() as {
        webhooks: Record<string, { post: { requestBody: { content: Record<string, { schema: unknown }> } } }>;
      };
      const advertised = (await world.as('eastAdmin', 'GET', '/api/webhooks')).json().events as string[];
      expect(Object.keys(doc.webhooks).sort()).toEqual([...advertised].sort());
      const schema = doc.webhooks['step.snoozed']?.post.requestBody.content['application/json']?.schema as {
        properties: Record<string, { const?: string; properties?: Record<string, unknown> }>;
        required: string[];
      };
      expect(schema.required.sort()).toEqual(['data', 'event', 'id', 'occurredAt', 'orgId']);
      expect(schema.properties.event?.const).toBe('step.snoozed');
      expect(Object.keys(schema.properties.data?.properties ?? {})).toEqual(
        expect.arrayContaining([
          'connectionId',
          'recordId',
          'sequenceId',
          'nodeId',
          'kind',
          'actorId',
          'until',
        ]),
      );
    } finally {
      await world.close();
    }
  });
});
