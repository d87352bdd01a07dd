import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECONNECT_HOLD_REASON } from '../../src/domain/oauth-mail-presets.ts';
import { mailboxCallbackUrl } from '../../src/mail/oauth/oauth-client.ts';
import { decryptSecret } from '../../src/mail/secrets.ts';
import { dialects } from '../support/databases.ts';
import { followToCallback, startTestIdp, type TestIdp } from '../support/oidc-idp.ts';
import { createWorld, ORG_ID, type World } from '../support/world.ts';
import { deliveryFor, PUBLIC_URL, queueEmail, SECRET_KEY, SELLER, seedSequence } from './mail-fixtures.ts';

const CALLBACK = mailboxCallbackUrl({ publicUrl: PUBLIC_URL });
const ADDRESS = 'sam@seller.test';

/**
 * OAuth mailboxes (issue 19) against a real OAuth server (`oidc-provider` on loopback) and a real SMTP server
 * that accepts only XOAUTH2 and checks each bearer token by introspection at that provider.
 */
describe.each(dialects)('OAuth (XOAUTH2) mailbox with a real provider and SMTP server (%s)', (dialect) => {
  let world: World;
  let idp: TestIdp;
  let smtp: SMTPServer;
  let smtpPort: number;
  let mailboxId: string;
  const received: { user: string; token: string; raw: string }[] = [];
  const refused: string[] = [];
  const closed = { count: 0 };
  // The server's logs of the whole run, at info level: no client secret or token may appear in them.
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString('utf8'));
      done();
    },
  });
  const secretsSeen = new Set<string>();

  const introspect = async (token: string) => {
    const response = await fetch(`${idp.issuer}/token/introspection`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${idp.clientId}:${idp.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ token }),
    });
    return (await response.json()) as { active: boolean };
  };

  beforeAll(async () => {
    world = await createWorld(dialect, { config: { logLevel: 'info' }, logStream });
    idp = await startTestIdp(CALLBACK, { offline: true });
    idp.accounts.set('sam', { email: ADDRESS, name: 'Sam Seller', groups: [] });
    smtp = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      authMethods: ['XOAUTH2'],
      logger: false,
      onAuth(auth, _session, callback) {
        const token = auth.accessToken ?? '';
        introspect(token).then(
          (answer) => {
            if (auth.method === 'XOAUTH2' && answer.active)
              callback(null, { user: `${auth.username}|${token}` });
            else {
              refused.push(token);
              callback(new Error('Invalid bearer token'));
            }
          },
          (error: Error) => callback(error),
        );
      },
      onClose() {
        closed.count++;
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const [user, token] = String(session.user).split('|');
          received.push({
            user: user ?? '',
            token: token ?? '',
            raw: Buffer.concat(chunks).toString('utf8'),
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
    smtpPort = (smtp.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
    await idp?.close();
    await world?.close();
  });

  /** The browser's trip: the provider signs Sam in and sends them back; the callback stores the tokens. */
  async function signInAtProvider(authorizationUrl: string, cookie: string) {
    idp.nextAccount = 'sam';
    const back = await followToCallback(authorizationUrl, CALLBACK);
    expect(back.searchParams.get('state')).toBeTruthy();
    return world.app.inject({
      method: 'GET',
      url: `/api/mailboxes/oauth/callback${back.search}`,
      headers: { cookie: `sw_mbox_oauth=${cookie}` },
    });
  }

  const oauthRow = async () => {
    const row = await world.store.db
      .selectFrom('mailbox_oauth')
      .selectAll()
      .where('org_id', '=', ORG_ID)
      .where('mailbox_id', '=', mailboxId)
      .executeTakeFirstOrThrow();
    for (const enc of [row.refresh_token_enc, row.access_token_enc])
      if (enc) secretsSeen.add(decryptSecret(SECRET_KEY, enc));
    return row;
  };

  it('connects a generic OAuth mailbox: code + PKCE + state, tokens stored encrypted, none shown', async () => {
    // The admin registers the organisation's app once; the seller only picks the provider (one click).
    const registered = await world.as('eastAdmin', 'PUT', '/api/admin/oauth-apps', {
      preset: 'generic',
      label: 'Loopback Mail',
      clientId: idp.clientId,
      clientSecret: idp.clientSecret,
      issuer: idp.issuer,
      scopes: 'openid email offline_access',
      smtp: { host: '127.0.0.1', port: smtpPort, secure: false },
      allowedForSellers: true,
    });
    expect(registered.statusCode, registered.body).toBe(200);
    expect(registered.body).not.toContain(idp.clientSecret);
    const created = await world.as('eastSeller', 'POST', '/api/mailboxes/oauth', {
      preset: 'generic',
      fromName: 'Sam Seller',
      fromAddress: ADDRESS,
    });
    expect(created.statusCode, created.body).toBe(201);
    const { mailboxId: id, startUrl } = created.json() as { mailboxId: string; startUrl: string };
    mailboxId = id;
    // Creating contacts no provider; the start link (opened in the signed-in browser) redirects there.
    const start = async () => {
      const response = await world.as('eastSeller', 'GET', startUrl);
      expect(response.statusCode, response.body).toBe(302);
      return {
        authorizationUrl: String(response.headers.location),
        cookie: response.cookies.find((c) => c.name === 'sw_mbox_oauth')!.value,
      };
    };
    const { authorizationUrl, cookie } = await start();
    const url = new URL(authorizationUrl);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('prompt')).toBe('consent');
    expect(url.searchParams.get('redirect_uri')).toBe(CALLBACK);

    // A forged state is refused: the cookie's state does not match what the provider sends back.
    idp.nextAccount = 'sam';
    const back = await followToCallback(authorizationUrl, CALLBACK);
    const forged = new URLSearchParams(back.search);
    forged.set('state', 'forged-state');
    const refusedCallback = await world.app.inject({
      method: 'GET',
      url: `/api/mailboxes/oauth/callback?${forged}`,
      headers: { cookie: `sw_mbox_oauth=${cookie}` },
    });
    expect(refusedCallback.statusCode).toBe(400);
    expect(refusedCallback.json().code).toBe('oauth_exchange');
    expect((await oauthRow()).status).toBe('pending');

    const again = await start();
    const done = await signInAtProvider(again.authorizationUrl, again.cookie);
    expect(done.statusCode, done.body).toBe(303);
    expect(done.headers.location).toContain('/settings/mailboxes?connected=');

    const row = await oauthRow();
    expect(row.status).toBe('connected');
    const refreshToken = decryptSecret(SECRET_KEY, row.refresh_token_enc!);
    const accessToken = decryptSecret(SECRET_KEY, row.access_token_enc!);
    expect(row.refresh_token_enc).not.toContain(refreshToken);
    expect(row.client_secret_enc).not.toContain(idp.clientSecret);
    const status = await world.as('eastSeller', 'GET', `/api/mailboxes/${mailboxId}/oauth`);
    expect(status.json()).toMatchObject({ status: 'connected', preset: 'generic', redirectUri: CALLBACK });
    const list = await world.as('eastSeller', 'GET', '/api/mailboxes');
    for (const body of [status.body, list.body, created.body, done.body]) {
      expect(body).not.toContain(refreshToken);
      expect(body).not.toContain(accessToken);
      expect(body).not.toContain(idp.clientSecret);
    }
    // Another seller cannot see or reconnect it.
    const other = await world.as('westSeller', 'GET', `/api/mailboxes/${mailboxId}/oauth`);
    expect(other.statusCode).toBe(404);
  });

  it('a replayed authorization code (same state) is refused, audited, and never reaches the provider again', async () => {
    const start = await world.as('eastSeller', 'GET', `/api/mailboxes/${mailboxId}/oauth/start`);
    expect(start.statusCode, start.body).toBe(302);
    const cookie = start.cookies.find((c) => c.name === 'sw_mbox_oauth')!.value;
    idp.nextAccount = 'sam';
    const back = await followToCallback(String(start.headers.location), CALLBACK);
    // The code is a credential too: the log test at the end checks it never reaches the logs.
    secretsSeen.add(back.searchParams.get('code')!);
    const callback = () =>
      world.app.inject({
        method: 'GET',
        url: `/api/mailboxes/oauth/callback${back.search}`,
        headers: { cookie: `sw_mbox_oauth=${cookie}` },
      });
    const first = await callback();
    expect(first.statusCode, first.body).toBe(303);
    const connected = await oauthRow();
    const auditsBefore = await world.store.db
      .selectFrom('audit_log')
      .select(['action'])
      .where('resource_id', '=', mailboxId)
      .execute();

    // The same code and state again, with the same cookie (as a replaying attacker or a double submit would).
    const replay = await callback();
    expect(replay.statusCode).toBe(400);
    expect(replay.headers['content-type']).toContain('application/problem+json');
    expect(replay.json()).toMatchObject({
      code: 'oauth_code_replayed',
      detail: expect.stringContaining('already used'),
    });
    const audits = await world.store.db
      .selectFrom('audit_log')
      .select(['action', 'actor_id'])
      .where('resource_id', '=', mailboxId)
      .execute();
    expect(audits.length).toBe(auditsBefore.length + 1);
    expect(audits.filter((a) => a.action === 'mailbox.oauth_replayed')).toEqual([
      { action: 'mailbox.oauth_replayed', actor_id: SELLER },
    ]);
    // No second token exchange: the stored tokens are unchanged, and the provider (which revokes a grant whose
    // code is presented twice) still holds them active.
    expect(await oauthRow()).toEqual(connected);
    const refreshToken = decryptSecret(SECRET_KEY, connected.refresh_token_enc!);
    const accessToken = decryptSecret(SECRET_KEY, connected.access_token_enc!);
    expect((await introspect(refreshToken)).active).toBe(true);
    expect((await introspect(accessToken)).active).toBe(true);
  });

  it('sends over XOAUTH2 with the fresh token, and refreshes it after it expires', async () => {
    const scenario = await seedSequence(world.store, world.clock.now());
    await queueEmail(world.store, scenario, world.clock.now());
    const delivery = deliveryFor(world.store, world.clock);
    try {
      expect((await delivery.drain()).sent).toBe(1);
      expect(received).toHaveLength(1);
      expect(received[0]!.user).toBe(ADDRESS);
      const first = received[0]!.token;
      expect(first).toBe(decryptSecret(SECRET_KEY, (await oauthRow()).access_token_enc!));

      const expiresAt = (await oauthRow()).access_expires_at!;
      world.clock.set(expiresAt + 60_000);
      await queueEmail(world.store, scenario, world.clock.now());
      const closedBefore = closed.count;
      expect((await delivery.drain()).sent).toBe(1);
      expect(received).toHaveLength(2);
      // The pooled connection that logged in with the old token is closed, not left open until the worker stops.
      await expect.poll(() => closed.count).toBeGreaterThan(closedBefore);
      const second = received[1]!.token;
      expect(second).not.toBe(first);
      expect((await introspect(second)).active).toBe(true);
      const row = await oauthRow();
      expect(row.access_expires_at!).toBeGreaterThan(world.clock.now());
      expect(decryptSecret(SECRET_KEY, row.access_token_enc!)).toBe(second);
      expect(refused).toHaveLength(0);
    } finally {
      delivery.close();
    }
  });

  it('on invalid_grant the mailbox needs reconnecting, emails are held (not sent elsewhere), a reconnect sends them once', async () => {
    const row = await oauthRow();
    const revoked = await fetch(`${idp.issuer}/token/revocation`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${idp.clientId}:${idp.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ token: decryptSecret(SECRET_KEY, row.refresh_token_enc!) }),
    });
    expect(revoked.status).toBe(200);
    world.clock.set(row.access_expires_at! + 60_000);
    const scenario = await seedSequence(world.store, world.clock.now());
    const email = await queueEmail(world.store, scenario, world.clock.now());
    const delivery = deliveryFor(world.store, world.clock);
    try {
      const before = received.length;
      const stats = await delivery.drain();
      expect(stats).toMatchObject({ sent: 0, held: 1 });
      expect(received).toHaveLength(before);
      expect((await oauthRow()).status).toBe('reconnect_needed');
      const held = await world.store.db
        .selectFrom('outbound_messages')
        .select(['status', 'hold_reason'])
        .where('id', '=', email.outboundId)
        .executeTakeFirstOrThrow();
      expect(held).toEqual({ status: 'held', hold_reason: RECONNECT_HOLD_REASON });
      // The seller sees it: the held-email notification, and the mailbox status.
      const notes = await world.store.db
        .selectFrom('notifications')
        .select(['kind', 'summary'])
        .where('user_id', '=', SELLER)
        .where('record_id', '=', email.recordId)
        .execute();
      expect(notes).toEqual([{ kind: 'email_held', summary: expect.stringContaining('needs reconnecting') }]);
      const status = await world.as('eastSeller', 'GET', `/api/mailboxes/${mailboxId}/oauth`);
      // The work list's reconnect item reads this: the status and how many emails wait.
      expect(status.json()).toMatchObject({
        status: 'reconnect_needed',
        heldEmails: 1,
        fromAddress: ADDRESS,
      });
      expect(status.json().statusReason).toContain('invalid_grant');
      // Later rounds keep holding it: nothing is sent while the mailbox needs reconnecting.
      expect((await delivery.drain()).sent).toBe(0);

      // The seller opens the start link in the browser they are signed in with: straight to the provider.
      const start = await world.as('eastSeller', 'GET', `/api/mailboxes/${mailboxId}/oauth/start`);
      expect(start.statusCode, start.body).toBe(302);
      const done = await signInAtProvider(
        String(start.headers.location),
        start.cookies.find((c) => c.name === 'sw_mbox_oauth')!.value,
      );
      expect(done.statusCode, done.body).toBe(303);
      expect(done.headers.location).toContain('released=1');
      expect((await oauthRow()).status).toBe('connected');
      const after = await world.as('eastSeller', 'GET', '/api/mailboxes/oauth');
      expect(after.json().items).toEqual([expect.objectContaining({ status: 'connected', heldEmails: 0 })]);
      expect((await delivery.drain()).sent).toBe(1);
      expect((await delivery.drain()).sent).toBe(0);
      expect(received).toHaveLength(before + 1);
      const sent = await world.store.db
        .selectFrom('outbound_messages')
        .select('status')
        .where('id', '=', email.outboundId)
        .executeTakeFirstOrThrow();
      expect(sent.status).toBe('sent');
    } finally {
      delivery.close();
    }
  });

  it('never logs the client secret or any token of the run', () => {
    const all = logs.join('');
    expect(all.length).toBeGreaterThan(0);
    expect(secretsSeen.size).toBeGreaterThanOrEqual(4);
    for (const secret of [idp.clientSecret, ...secretsSeen, ...received.map((r) => r.token)])
      expect(all).not.toContain(secret);
  });
});
