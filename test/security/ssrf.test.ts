import { createServer, type Server } from 'node:http';
import { type AddressInfo, createServer as createTcpServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MINUTE } from '../../src/engine/clock.ts';
import { encryptSecret } from '../../src/mail/secrets.ts';
import { MAILBOX_TEST_FAILED } from '../../src/mail/test-email.ts';
import { deliverDueWebhooks, emitWebhookEvent } from '../../src/mail/webhooks.ts';
import { insertWebhook } from '../../src/store/repos/webhook-repo.ts';
import {
  addSmtpMailbox,
  deliveryFor,
  queueEmail,
  SECRET_KEY,
  SELLER,
  seedSequence,
  startSmtp,
} from '../mail/mail-fixtures.ts';
import { createWorld, ORG_ID, type World } from '../support/world.ts';

/**
 * SSRF: webhooks and mailboxes never reach private, loopback or link-local addresses — not when saved, not at
 * delivery after DNS, not through a redirect — unless the operator allow-lists them (OUTBOUND_ALLOW_HOSTS).
 * These worlds run WITHOUT the test harness's loopback allow list; the last ones with it.
 */
async function listen(
  handler: Parameters<typeof createServer>[1],
): Promise<{ server: Server; url: string; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((request, response) => {
    hits.push(request.url ?? '');
    handler?.(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}
const close = (server: { close(cb: () => void): unknown }) =>
  new Promise<void>((resolve) => server.close(() => resolve()));

describe('outbound requests refuse internal addresses', () => {
  let world: World;
  afterEach(async () => {
    await world.close();
  });

  it('refuses webhook URLs on loopback, metadata, private, IPv6 loopback and decimal addresses', async () => {
    world = await createWorld('sqlite', { config: { outboundAllowList: [] } });
    for (const url of [
      'http://127.0.0.1:8080/hook',
      'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.5/hook',
      'http://192.168.1.1/hook',
      'http://[::1]:3000/hook',
      'http://[::ffff:127.0.0.1]/hook',
      'http://2130706433/hook',
      'http://0x7f000001/hook',
      'http://localhost:3000/hook',
      'http://0.0.0.0/hook',
    ]) {
      const created = await world.as('eastAdmin', 'POST', '/api/webhooks', { url, events: ['*'] });
      expect(created.statusCode, url).toBe(422);
      expect(created.json()).toMatchObject({
        code: 'outbound_address_refused',
        problems: [{ path: ['body', 'url'] }],
      });
    }
    const ok = await world.as('eastAdmin', 'POST', '/api/webhooks', {
      url: 'https://93.184.215.14/hook',
      events: ['*'],
    });
    expect(ok.statusCode).toBe(201);
    const patched = await world.as('eastAdmin', 'PATCH', `/api/webhooks/${ok.json().id}`, {
      url: 'http://169.254.169.254/',
    });
    expect(patched.statusCode).toBe(422);
    expect((await world.as('eastAdmin', 'GET', '/api/webhooks')).json().items[0].url).toBe(
      'https://93.184.215.14/hook',
    );
  });

  it('checks again at delivery, after DNS: a stored internal URL is never contacted', async () => {
    world = await createWorld('sqlite', { config: { outboundAllowList: [] } });
    const target = await listen((_request, response) => response.writeHead(204).end());
    try {
      const port = new URL(target.url).port;
      // As if the host resolved to a public address when saved and to loopback now (DNS rebinding).
      for (const url of [`${target.url}/ip`, `http://localhost:${port}/name`]) {
        await insertWebhook(world.store.db, {
          orgId: ORG_ID,
          url,
          secretEnc: encryptSecret(SECRET_KEY, 'whsec_0123456789abcdef'),
          events: ['*'],
          enabled: true,
          now: world.clock.now(),
        });
      }
      await emitWebhookEvent(world.store.db, {
        orgId: ORG_ID,
        event: 'email.sent',
        payload: {},
        idempotencyKey: 'k1',
        now: world.clock.now(),
      });
      const deps = {
        store: world.store,
        clock: world.clock,
        config: { secretKey: SECRET_KEY, outboundAllowList: [] },
      };
      expect(await deliverDueWebhooks(deps)).toBe(2);
      expect(target.hits).toEqual([]);
      const rows = await world.store.db
        .selectFrom('webhook_deliveries')
        .select(['last_error', 'status'])
        .execute();
      expect(rows).toHaveLength(2);
      for (const row of rows) expect(row.last_error).toMatch(/points to a loopback address/);
    } finally {
      await close(target.server);
    }
  });

  it('does not follow a redirect from an allowed endpoint to another address', async () => {
    world = await createWorld('sqlite'); // loopback allowed, as the harness does
    const internal = await listen((_request, response) => response.writeHead(204).end());
    const bouncer = await listen((_request, response) =>
      response.writeHead(302, { location: `${internal.url}/latest/meta-data/` }).end(),
    );
    try {
      const created = await world.as('eastAdmin', 'POST', '/api/webhooks', {
        url: `${bouncer.url}/hook`,
        events: ['*'],
      });
      expect(created.statusCode).toBe(201);
      await world.as('eastAdmin', 'POST', `/api/webhooks/${created.json().id}/ping`);
      const deps = {
        store: world.store,
        clock: world.clock,
        config: { secretKey: SECRET_KEY, outboundAllowList: ['127.0.0.1'] },
      };
      expect(await deliverDueWebhooks(deps)).toBe(1);
      expect(bouncer.hits).toEqual(['/hook']);
      expect(internal.hits).toEqual([]);
      const log = (
        await world.as('eastAdmin', 'GET', `/api/webhooks/${created.json().id}/deliveries`)
      ).json();
      expect(log.items[0]).toMatchObject({
        status: 'pending',
        responseStatus: 302,
        lastError: 'HTTP 302 (redirects are not followed)',
      });
    } finally {
      await close(bouncer.server);
      await close(internal.server);
    }
  });

  it('refuses mailbox servers on internal addresses when saved, tested and used', async () => {
    world = await createWorld('sqlite', { config: { outboundAllowList: [] } });
    const smtp = await startSmtp();
    try {
      const smtpOnLoopback = await world.as('eastSeller', 'POST', '/api/mailboxes', {
        kind: 'smtp',
        smtp: { host: '127.0.0.1', port: smtp.port, user: 'sam', password: 'smtp-pass' },
      });
      expect(smtpOnLoopback.statusCode).toBe(422);
      expect(smtpOnLoopback.json().problems[0].path).toEqual(['body', 'smtp', 'host']);
      const imapOnMetadata = await world.as('eastSeller', 'POST', '/api/mailboxes', {
        kind: 'catch_all',
        imap: { host: '169.254.169.254', port: 993, user: 'x', password: 'y' },
      });
      expect(imapOnMetadata.statusCode).toBe(422);
      expect(imapOnMetadata.json().code).toBe('outbound_address_refused');

      // A mailbox stored before (or whose name now resolves to loopback): the test and delivery refuse it.
      const mailbox = await addSmtpMailbox(world.store, SELLER, smtp.port, world.clock.now());
      const test = await world.as('eastSeller', 'POST', `/api/mailboxes/${mailbox.id}/test`, {});
      expect(test.json()).toMatchObject({ ok: false, error: expect.stringMatching(/loopback address/) });

      const scenario = await seedSequence(world.store, world.clock.now());
      const email = await queueEmail(world.store, scenario, world.clock.now());
      const delivery = deliveryFor(world.store, world.clock, {
        config: {
          secretKey: SECRET_KEY,
          publicUrl: 'http://localhost:3000',
          smtpUrl: undefined,
          outboundAllowList: [],
          worker: { batchSize: 200, leaseMs: 60_000, pollMs: 1000 },
        },
      });
      await delivery.drain();
      world.clock.advance(10 * MINUTE);
      await delivery.drain();
      delivery.close();
      expect(smtp.received).toEqual([]);
      const row = await world.store.db
        .selectFrom('outbound_messages')
        .select(['status', 'last_error'])
        .where('id', '=', email.outboundId)
        .executeTakeFirstOrThrow();
      expect(row.status).not.toBe('sent');
      expect(row.last_error).toMatch(/loopback address/);
    } finally {
      await smtp.close();
    }
  });

  it('answers a failed mailbox test with one message after one delay: no port-scanner oracle', async () => {
    world = await createWorld('sqlite'); // loopback allowed, so the test reaches the harness's servers
    const smtp = await startSmtp();
    // A closed port: a server that was listening and is gone.
    const gone = createTcpServer();
    await new Promise<void>((resolve) => gone.listen(0, '127.0.0.1', () => resolve()));
    const closedPort = (gone.address() as AddressInfo).port;
    await close(gone);
    // A "filtered" port: accepts and never says anything.
    const silent = createTcpServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    const silentPort = (silent.address() as AddressInfo).port;
    try {
      const answers: { error: string; ms: number }[] = [];
      for (const [port, password] of [
        [closedPort, 'smtp-pass'],
        [silentPort, 'smtp-pass'],
        [smtp.port, 'wrong-password'],
      ] as const) {
        const created = await world.as('eastAdmin', 'POST', '/api/mailboxes', {
          userId: null,
          kind: 'smtp',
          smtp: { host: '127.0.0.1', port, user: 'sam', password },
        });
        expect(created.statusCode).toBe(201);
        const started = performance.now();
        const test = await world.as('eastAdmin', 'POST', `/api/mailboxes/${created.json().id}/test`, {});
        answers.push({ error: test.json().error, ms: performance.now() - started });
        await world.as('eastAdmin', 'DELETE', `/api/mailboxes/${created.json().id}`);
      }
      for (const answer of answers) {
        expect(answer.error).toBe(MAILBOX_TEST_FAILED);
        expect(answer.ms).toBeGreaterThanOrEqual(990); // testConfig's mailboxTestTimeoutMs
        expect(answer.ms).toBeLessThan(2500);
      }
    } finally {
      await close(silent);
      await smtp.close();
    }
  });
});
