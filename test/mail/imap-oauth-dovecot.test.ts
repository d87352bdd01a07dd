import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config.ts';
import { pollImapMailbox } from '../../src/mail/imap.ts';
import { mailboxCallbackUrl } from '../../src/mail/oauth/oauth-client.ts';
import { decryptSecret } from '../../src/mail/secrets.ts';
import { findMailbox } from '../../src/store/repos/mailbox-repo.ts';
import { dialects } from '../support/databases.ts';
import { type Dovecot, IMAP_PASSWORD, startDovecot } from '../support/dovecot.ts';
import { followToCallback, startTestIdp, type TestIdp } from '../support/oidc-idp.ts';
import { createWorld, ORG_ID, type World } from '../support/world.ts';
import { PUBLIC_URL, SECRET_KEY } from './mail-fixtures.ts';

const CALLBACK = mailboxCallbackUrl({ publicUrl: PUBLIC_URL });
const ADDRESS = 'sam@seller.test';

/**
 * IMAP with XOAUTH2 (issue 19): Dovecot's oauth2 passdb checks each bearer token by introspection at the real
 * `oidc-provider` on loopback; the poller logs in with the mailbox's access token.
 */
let idp: TestIdp;
let dovecot: Dovecot;
beforeAll(async () => {
  idp = await startTestIdp(CALLBACK, { offline: true });
  // The provider's subject is the IMAP user (Dovecot's username_attribute = sub).
  idp.accounts.set(ADDRESS, { email: ADDRESS, name: 'Sam Seller', groups: [] });
  const url = new URL('/token/introspection', idp.issuer);
  url.username = idp.clientId;
  url.password = idp.clientSecret;
  dovecot = await startDovecot({ oauth2: { introspectionUrl: url.href, extraUser: ADDRESS } });
  await dovecot.start();
});
afterAll(async () => {
  await dovecot?.close();
  await idp?.close();
});

describe.each(dialects)('IMAP poller with XOAUTH2 against Dovecot (%s)', (dialect) => {
  let world: World;
  beforeAll(async () => {
    world = await createWorld(dialect);
  });
  afterAll(async () => {
    await world?.close();
  });

  it('polls with the access token; a revoked grant stops polling with a reconnect reason', async () => {
    // The organisation's registration (by an admin) carries the app and the servers; the seller picks it.
    const registered = await world.as('eastAdmin', 'PUT', '/api/admin/oauth-apps', {
      preset: 'generic',
      label: 'Dovecot',
      clientId: idp.clientId,
      clientSecret: idp.clientSecret,
      issuer: idp.issuer,
      scopes: 'openid email offline_access',
      smtp: { host: '127.0.0.1', port: 2525, secure: false },
      imap: { host: dovecot.host, port: dovecot.port, secure: false },
      allowedForSellers: true,
    });
    expect(registered.statusCode, registered.body).toBe(200);
    const created = await world.as('eastSeller', 'POST', '/api/mailboxes/oauth', {
      preset: 'generic',
      fromAddress: ADDRESS,
    });
    expect(created.statusCode, created.body).toBe(201);
    const mailboxId = created.json().mailboxId as string;
    idp.nextAccount = ADDRESS;
    const start = await world.as('eastSeller', 'GET', created.json().startUrl);
    const back = await followToCallback(String(start.headers.location), CALLBACK);
    const done = await world.app.inject({
      method: 'GET',
      url: `/api/mailboxes/oauth/callback${back.search}`,
      headers: { cookie: `sw_mbox_oauth=${start.cookies.find((c) => c.name === 'sw_mbox_oauth')!.value}` },
    });
    expect(done.statusCode, done.body).toBe(303);

    const deps = {
      store: world.store,
      clock: world.clock,
      config: { secretKey: SECRET_KEY, outboundAllowList: testConfig().outboundAllowList },
      workerId: 'worker-a',
    };
    const mailbox = async () => (await findMailbox(world.store.db, ORG_ID, mailboxId))!;
    const synced = async () =>
      (
        await world.store.db
          .selectFrom('imap_sync')
          .select('synced_at')
          .where('mailbox_id', '=', mailboxId)
          .executeTakeFirst()
      )?.synced_at ?? null;

    // Someone writes to Sam (plain login, as a test fixture); the poller itself only has the token.
    const writer = new ImapFlow({
      host: dovecot.host,
      port: dovecot.port,
      secure: false,
      auth: { user: ADDRESS, pass: IMAP_PASSWORD },
      logger: false,
    });
    await writer.connect();
    await writer.append('INBOX', 'From: a@b.test\r\nSubject: hello\r\n\r\nHi\r\n');
    await writer.logout();

    await pollImapMailbox(deps, await mailbox());
    expect((await mailbox()).imap_last_error).toBeNull();
    expect(await synced()).toBe(world.clock.now());

    // Dovecot really checks the token at the provider: one it never issued is refused.
    const forged = new ImapFlow({
      host: dovecot.host,
      port: dovecot.port,
      secure: false,
      auth: { user: ADDRESS, accessToken: 'not-a-token-the-provider-issued' },
      logger: false,
    });
    await expect(forged.connect()).rejects.toThrow();

    // The provider revokes the grant; once the token is due for refresh the poller gets invalid_grant.
    const row = await world.store.db
      .selectFrom('mailbox_oauth')
      .selectAll()
      .where('mailbox_id', '=', mailboxId)
      .executeTakeFirstOrThrow();
    await fetch(`${idp.issuer}/token/revocation`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${idp.clientId}:${idp.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ token: decryptSecret(SECRET_KEY, row.refresh_token_enc!) }),
    });
    world.clock.set(row.access_expires_at! + 60_000);
    await pollImapMailbox(deps, await mailbox());
    expect((await mailbox()).imap_last_error).toContain('invalid_grant');
    const status = await world.as('eastSeller', 'GET', `/api/mailboxes/${mailboxId}/oauth`);
    expect(status.json().status).toBe('reconnect_needed');
  });
});
