import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MINUTE } from '../../src/engine/clock.ts';
import { decryptSecret } from '../../src/mail/secrets.ts';
import { deliverDueWebhooks } from '../../src/mail/webhooks.ts';
import { dialects } from '../support/databases.ts';
import { createWorld, ORG_ID, type World } from '../support/world.ts';
import { deliveryFor, queueEmail, SECRET_KEY, seedSequence, startSmtp } from './mail-fixtures.ts';

describe.each(dialects)('mail API on %s', (dialect) => {
  let world: World;
  beforeEach(async () => {
    world = await createWorld(dialect);
  });
  afterEach(async () => {
    await world.close();
  });

  it('keeps SMTP passwords encrypted and out of responses, and sends a test email', async () => {
    const smtp = await startSmtp();
    try {
      const created = await world.as('eastSeller', 'POST', '/api/mailboxes', {
        kind: 'smtp',
        fromName: 'East Seller',
        fromAddress: 'east.seller@example.com',
        smtp: { host: '127.0.0.1', port: smtp.port, secure: false, user: 'sam', password: 'smtp-pass' },
        limits: { hourlyLimit: 25 },
      });
      expect(created.statusCode).toBe(201);
      expect(created.body).not.toContain('smtp-pass');
      const mailbox = created.json();
      expect(mailbox).toMatchObject({
        userId: 'u-east-seller',
        smtp: { hasPassword: true },
        limits: { hourlyLimit: 25 },
      });
      const row = await world.store.db
        .selectFrom('mailboxes')
        .selectAll()
        .where('id', '=', mailbox.id)
        .executeTakeFirstOrThrow();
      expect(row.smtp_secret_enc).not.toContain('smtp-pass');
      expect(decryptSecret(SECRET_KEY, row.smtp_secret_enc!)).toBe('smtp-pass');

      const list = await world.as('eastSeller', 'GET', '/api/mailboxes');
      expect(list.body).not.toContain('smtp-pass');
      expect(list.json().items).toHaveLength(1);

      const test = await world.as('eastSeller', 'POST', `/api/mailboxes/${mailbox.id}/test`, {});
      expect(test.json()).toMatchObject({ ok: true, delivery: 'smtp' });
      expect(smtp.received).toHaveLength(1);
      expect(smtp.received[0]!.to).toEqual(['east.seller@example.com']);

      // Keeping the password when it is not sent again; other sellers cannot see the mailbox.
      const patched = await world.as('eastSeller', 'PATCH', `/api/mailboxes/${mailbox.id}`, {
        smtp: { host: '127.0.0.1', port: smtp.port, user: 'sam' },
      });
      expect(patched.json().smtp.hasPassword).toBe(true);
      expect(
        (await world.as('eastSeller2', 'PATCH', `/api/mailboxes/${mailbox.id}`, { fromName: 'x' }))
          .statusCode,
      ).toBe(404);
      expect(
        (await world.as('eastSeller', 'POST', '/api/mailboxes', { userId: null, kind: 'catch_all' }))
          .statusCode,
      ).toBe(403);
      expect(
        (await world.as('eastAdmin', 'POST', '/api/mailboxes', { userId: null, kind: 'catch_all' }))
          .statusCode,
      ).toBe(201);
    } finally {
      await smtp.close();
    }
  });

  it('without SMTP, emails land in the catch-all outbox; held ones show why and can be retried', async () => {
    const scenario = await seedSequence(world.store, world.clock.now());
    const ok = await queueEmail(world.store, scenario, world.clock.now());
    const missing = await queueEmail(world.store, scenario, world.clock.now(), { firstName: null });
    const delivery = deliveryFor(world.store, world.clock);
    await delivery.drain();

    const outbox = await world.as('eastSeller', 'GET', '/api/outbox');
    expect(outbox.statusCode).toBe(200);
    const items = outbox.json().items as {
      id: string;
      status: string;
      holdReason: string | null;
      subject: string;
    }[];
    expect(items.find((i) => i.id === ok.outboundId)).toMatchObject({
      status: 'sent',
      subject: 'Quick question, Ada',
    });
    expect(items.find((i) => i.id === missing.outboundId)).toMatchObject({
      status: 'held',
      holdReason: expect.stringContaining('record.first_name'),
    });
    // Someone else's emails are not visible to another seller; a manager of the unit sees them.
    expect((await world.as('eastSeller2', 'GET', '/api/outbox')).json().items).toEqual([]);
    expect((await world.as('eastSalesManager', 'GET', '/api/outbox')).json().items).toHaveLength(2);
    expect((await world.as('westSeller', 'GET', `/api/outbox/${ok.outboundId}`)).statusCode).toBe(404);

    const detail = await world.as('eastSeller', 'GET', `/api/outbox/${ok.outboundId}`);
    expect(detail.json().html).toContain('Hi Ada,');
    const raw = await world.as('eastSeller', 'GET', `/api/outbox/${ok.outboundId}/raw`);
    expect(raw.headers['content-type']).toContain('message/rfc822');
    const parsed = await simpleParser(raw.rawPayload);
    expect(parsed.messageId).toBe(`<${ok.outboundId}@stepwise.local>`);
    expect(parsed.subject).toBe('Quick question, Ada');

    await world.store.db
      .updateTable('records')
      .set({ first_name: 'Grace' })
      .where('id', '=', missing.recordId)
      .execute();
    const retried = await world.as('eastSeller', 'POST', `/api/outbox/${missing.outboundId}/retry`);
    expect(retried.json()).toMatchObject({ status: 'queued', holdReason: null });
    world.clock.advance(MINUTE);
    await delivery.drain();
    delivery.close();
    const after = await world.as('eastSeller', 'GET', `/api/outbox/${missing.outboundId}`);
    expect(after.json()).toMatchObject({ status: 'sent', subject: 'Quick question, Grace' });
    expect(
      (await world.as('eastSeller', 'POST', `/api/outbox/${missing.outboundId}/cancel`)).statusCode,
    ).toBe(409);
  });

  it('webhooks are signed, retried with back-off and logged', async () => {
    const received: { headers: IncomingHttpHeaders; body: string }[] = [];
    let failNext = 1;
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      request.on('end', () => {
        if (failNext-- > 0) {
          response.writeHead(503).end('busy');
          return;
        }
        received.push({ headers: request.headers, body });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      expect((await world.as('eastSeller', 'POST', '/api/webhooks', { url, events: ['*'] })).statusCode).toBe(
        403,
      );
      const created = await world.as('eastAdmin', 'POST', '/api/webhooks', {
        url,
        events: ['email.sent', 'email.replied'],
      });
      expect(created.statusCode).toBe(201);
      const { id, secret } = created.json() as { id: string; secret: string };
      expect((await world.as('eastAdmin', 'GET', '/api/webhooks')).body).not.toContain(secret);

      const scenario = await seedSequence(world.store, world.clock.now());
      const lead = await queueEmail(world.store, scenario, world.clock.now());
      const delivery = deliveryFor(world.store, world.clock);
      await delivery.drain();
      delivery.close();

      // The receiver listens on loopback: allowed through the operator's allow list, as in testConfig.
      const deps = {
        store: world.store,
        clock: world.clock,
        config: { secretKey: SECRET_KEY, outboundAllowList: ['127.0.0.1'] },
      };
      expect(await deliverDueWebhooks(deps)).toBe(1);
      expect(received).toHaveLength(0);
      let log = (await world.as('eastAdmin', 'GET', `/api/webhooks/${id}/deliveries`)).json();
      expect(log.items[0]).toMatchObject({
        event: 'email.sent',
        status: 'pending',
        attempts: 1,
        responseStatus: 503,
      });
      expect(await deliverDueWebhooks(deps)).toBe(0); // not before its back-off
      world.clock.advance(MINUTE);
      expect(await deliverDueWebhooks(deps)).toBe(1);
      expect(received).toHaveLength(1);

      const [hit] = received;
      const signature = String(hit!.headers['x-stepwise-signature']);
      const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(signature) ?? [];
      expect(createHmac('sha256', secret).update(`${t}.${hit!.body}`).digest('hex')).toBe(v1);
      expect(hit!.headers['x-stepwise-event']).toBe('email.sent');
      expect(JSON.parse(hit!.body)).toMatchObject({
        event: 'email.sent',
        data: { outboundMessageId: lead.outboundId },
      });
      log = (await world.as('eastAdmin', 'GET', `/api/webhooks/${id}/deliveries`)).json();
      expect(log.items[0]).toMatchObject({ status: 'delivered', attempts: 2, responseStatus: 204 });
      const stored = await world.store.db.selectFrom('webhook_deliveries').select('org_id').execute();
      expect(stored.every((row) => row.org_id === ORG_ID)).toBe(true);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
