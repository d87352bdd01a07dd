import { Writable } from 'node:stream';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callbackUrl, discoverProvider } from '../../src/api/sso/oidc.ts';
import { createOrg } from '../../src/cli/commands/org-command.ts';
import { testConfig } from '../../src/config.ts';
import { signToken, verifyToken } from '../../src/mail/secrets.ts';
import { OutboundAddressRefused } from '../../src/net/outbound-address.ts';
import { insertMailbox } from '../../src/store/repos/mailbox-repo.ts';
import { setUpAcmeSso } from '../support/acme-sso.ts';
import { dialects } from '../support/databases.ts';
import { followToCallback, startTestIdp, type TestIdp } from '../support/oidc-idp.ts';
import { BU, createWorld, ORG_ID, PASSWORD, signInRequest, USERS, type World } from '../support/world.ts';

const PUBLIC_URL = testConfig().publicUrl;
const CALLBACK = callbackUrl({ publicUrl: PUBLIC_URL });

const cookieOf = (response: LightMyRequestResponse, name: string) =>
  response.cookies.find((c) => c.name === name)?.value;

describe.each(dialects)('single sign-on with a real OpenID provider (%s)', (dialect) => {
  let world: World;
  let idp: TestIdp;
  let providerId: string;

  const logs: string[] = [];
  // The server's logs of the whole SSO run, at info level: no client secret, code or token may appear in them.
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString('utf8'));
      done();
    },
  });
  const seen = { codes: [] as string[], cookies: [] as string[] };

  beforeAll(async () => {
    world = await createWorld(dialect, { config: { logLevel: 'info' }, logStream });
    idp = await startTestIdp(CALLBACK);
    providerId = await setUpAcmeSso(world, idp);
  });
  afterAll(async () => {
    await idp?.close();
    await world?.close();
  });

  /** Start → provider (real HTTP) → back at the callback URL; returns it and the state cookie. */
  async function throughProvider(account: string) {
    idp.nextAccount = account;
    const start = await world.app.inject({ method: 'GET', url: `/api/auth/sso/${providerId}/start` });
    expect(start.statusCode, start.body).toBe(302);
    const ssoCookie = cookieOf(start, 'sw_sso')!;
    const back = await followToCallback(start.headers.location as string, CALLBACK);
    seen.codes.push(back.searchParams.get('code') ?? '');
    seen.cookies.push(ssoCookie);
    return { back, ssoCookie };
  }

  const callback = (back: URL, ssoCookie: string, search = back.search) =>
    world.app.inject({
      method: 'GET',
      url: `/api/auth/sso/callback${search}`,
      headers: { cookie: `sw_sso=${ssoCookie}` },
    });

  const me = (response: LightMyRequestResponse) =>
    world.app.inject({
      method: 'GET',
      url: '/api/me',
      headers: { cookie: `sw_session=${cookieOf(response, 'sw_session')}` },
    });

  const auditCodes = async () =>
    (
      await world.store.db
        .selectFrom('audit_log')
        .select('after_json')
        .where('org_id', '=', ORG_ID)
        .where('action', '=', 'sso.sign_in_refused')
        .execute()
    ).map((row) => (JSON.parse(row.after_json ?? '{}') as { code: string }).code);

  it('offers the provider on the sign-in page and never shows the client secret', async () => {
    const listed = await world.app.inject({ method: 'GET', url: '/api/auth/sso/providers' });
    expect(listed.json().items).toContainEqual({
      id: providerId,
      name: 'Acme ID',
      startUrl: `/api/auth/sso/${providerId}/start`,
    });
    const admin = await world.as('eastAdmin', 'GET', '/api/admin/sso-providers');
    expect(admin.json().items[0]).toMatchObject({ clientSecretSet: true, redirectUri: CALLBACK });
    expect(admin.body).not.toContain(idp.clientSecret);
    const stored = await world.store.db.selectFrom('sso_providers').selectAll().executeTakeFirstOrThrow();
    expect(stored.client_secret_enc).not.toContain(idp.clientSecret);
    expect((await world.as('eastSeller', 'GET', '/api/admin/sso-providers')).statusCode).toBe(403);
  });

  it('creates a new person just in time with the unit and role their group maps to, then signs them in again', async () => {
    const { back, ssoCookie } = await throughProvider('alice');
    const done = await callback(back, ssoCookie);
    expect(done.statusCode, done.body).toBe(303);
    expect(done.headers.location).toBe('/');
    const alice = (await me(done)).json();
    expect(alice).toMatchObject({
      email: 'alice@acme.test',
      name: 'Alice Example',
      roles: ['sales_manager'],
      businessUnitId: BU.west,
    });
    const again = await throughProvider('alice');
    const second = await callback(again.back, again.ssoCookie);
    expect((await me(second)).json().userId).toBe(alice.userId);
    const created = await world.store.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'user.created_by_sso')
      .execute();
    expect(created.map((row) => row.resource_id)).toEqual([alice.userId]);
    // An SSO-only account has no password that could ever match.
    expect(
      (await signInRequest(world.app, { email: 'alice@acme.test', password: 'sso-only' })).statusCode,
    ).toBe(401);
  });

  it('gives an unmapped person the default unit and role, and signs an existing user in as themselves', async () => {
    const bob = await throughProvider('bob');
    expect((await me(await callback(bob.back, bob.ssoCookie))).json()).toMatchObject({
      roles: ['seller'],
      businessUnitId: BU.east,
    });
    const seller = await throughProvider('seller');
    expect((await me(await callback(seller.back, seller.ssoCookie))).json().userId).toBe(USERS.eastSeller.id);
  });

  it('refuses a forged state, a replayed code, a wrong nonce and a foreign domain, each with an audit entry', async () => {
    const forged = await throughProvider('bob');
    const forgedSearch = forged.back.search.replace(/state=[^&]+/, 'state=forged-state');
    const refusedState = await callback(forged.back, forged.ssoCookie, forgedSearch);
    expect(refusedState.statusCode).toBe(400);
    expect(refusedState.json().code).toBe('sso_state_mismatch');
    expect(cookieOf(refusedState, 'sw_session')).toBeUndefined();

    const used = await throughProvider('bob');
    expect((await callback(used.back, used.ssoCookie)).statusCode).toBe(303);
    const replay = await callback(used.back, used.ssoCookie);
    expect(replay.statusCode).toBe(400);
    expect(replay.json().code).toBe('sso_token_invalid');
    expect(cookieOf(replay, 'sw_session')).toBeUndefined();
    const noCookie = await world.app.inject({
      method: 'GET',
      url: `/api/auth/sso/callback${used.back.search}`,
    });
    expect(noCookie.json().code).toBe('sso_state_missing');

    const nonce = await throughProvider('bob');
    const checks = verifyToken(testConfig().secretKey, 'sso-login', nonce.ssoCookie)!;
    const otherNonce = signToken(testConfig().secretKey, 'sso-login', { ...checks, nonce: 'another-nonce' });
    const refusedNonce = await callback(nonce.back, otherNonce);
    expect(refusedNonce.statusCode).toBe(400);
    expect(refusedNonce.json()).toMatchObject({ code: 'sso_token_invalid' });
    expect(refusedNonce.json().detail).toMatch(/nonce/);

    const foreign = await throughProvider('mallory');
    const refusedDomain = await callback(foreign.back, foreign.ssoCookie);
    expect(refusedDomain.statusCode).toBe(403);
    expect(refusedDomain.json().code).toBe('sso_domain_not_allowed');
    expect(
      await world.store.db
        .selectFrom('users')
        .select('id')
        .where('email', '=', 'mallory@elsewhere.test')
        .execute(),
    ).toEqual([]);

    expect(await auditCodes()).toEqual(
      expect.arrayContaining(['sso_state_mismatch', 'sso_token_invalid', 'sso_domain_not_allowed']),
    );
  });

  it("refuses to create a person whose address another organisation's mailbox receives mail at", async () => {
    // Another organisation's mailbox already receives the inbound mail of carol@acme.test (its From).
    const { orgId } = await createOrg(world.store, { name: 'Carol Corp' }, world.clock.now());
    const nothing = { smtp_host: null, smtp_port: null, smtp_user: null, smtp_secret_enc: null };
    await insertMailbox(
      world.store.db,
      orgId,
      {
        ...nothing,
        user_id: null,
        kind: 'catch_all',
        from_name: null,
        from_address: 'carol@acme.test',
        smtp_secure: 0,
        daily_limit: null,
        hourly_limit: null,
        min_spacing_seconds: null,
        imap_host: null,
        imap_port: null,
        imap_secure: 1,
        imap_user: null,
        imap_secret_enc: null,
        imap_last_uid: null,
        imap_last_error: null,
      },
      world.clock.now(),
    );
    idp.accounts.set('carol', { email: 'carol@acme.test', name: 'Carol', groups: [] });
    const { back, ssoCookie } = await throughProvider('carol');
    const refused = await callback(back, ssoCookie);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('sso_user_other_org');
    expect(cookieOf(refused, 'sw_session')).toBeUndefined();
    expect(
      await world.store.db.selectFrom('users').select('id').where('email', '=', 'carol@acme.test').execute(),
    ).toEqual([]);
  });

  it('sends a browser whose sign-in is refused back to the sign-in page with the reason', async () => {
    const forged = await throughProvider('mallory');
    const refused = await world.app.inject({
      method: 'GET',
      url: `/api/auth/sso/callback${forged.back.search}`,
      headers: { cookie: `sw_sso=${forged.ssoCookie}`, accept: 'text/html,application/xhtml+xml' },
    });
    expect(refused.statusCode).toBe(303);
    expect(refused.headers.location).toBe('/?ssoError=sso_domain_not_allowed');
    expect(cookieOf(refused, 'sw_session')).toBeUndefined();
  });

  it('"enforce SSO" refuses the password form to everyone but admins (break-glass)', async () => {
    const patched = await world.as('eastAdmin', 'PATCH', `/api/admin/sso-providers/${providerId}`, {
      enforce: true,
    });
    expect(patched.statusCode, patched.body).toBe(200);
    // A later change of another field keeps enforcement, the mappings and the secret.
    const renamed = await world.as('eastAdmin', 'PATCH', `/api/admin/sso-providers/${providerId}`, {
      name: 'Acme ID',
    });
    expect(renamed.json()).toMatchObject({
      enforce: true,
      groupsClaim: 'groups',
      groupMappings: [{ group: 'sales-managers-west' }],
      clientSecretSet: true,
    });
    const seller = await signInRequest(world.app, { email: USERS.eastSeller2.email, password: PASSWORD });
    expect(seller.statusCode).toBe(403);
    expect(seller.json().code).toBe('sso_required');
    const admin = await signInRequest(world.app, { email: USERS.eastAdmin.email, password: PASSWORD });
    expect(admin.statusCode).toBe(200);
    // SSO itself still works for the seller.
    const sso = await throughProvider('seller');
    expect((await callback(sso.back, sso.ssoCookie)).statusCode).toBe(303);
    await world.as('eastAdmin', 'PATCH', `/api/admin/sso-providers/${providerId}`, { enforce: false });
    expect(
      (await signInRequest(world.app, { email: USERS.eastSeller2.email, password: PASSWORD })).statusCode,
    ).toBe(200);
  });

  it('validates the configuration with problem+json codes', async () => {
    const base = {
      name: 'Bad',
      issuer: idp.issuer,
      clientId: 'x',
      clientSecret: 'y',
      allowedDomains: ['acme.test'],
      defaultBusinessUnitId: BU.east,
      defaultRole: 'seller',
    };
    const unit = await world.as('eastAdmin', 'POST', '/api/admin/sso-providers', {
      ...base,
      defaultBusinessUnitId: 'no-such-unit',
    });
    expect(unit.statusCode).toBe(422);
    expect(unit.json().code).toBe('unknown_business_unit');
    const insecure = await world.as('eastAdmin', 'POST', '/api/admin/sso-providers', {
      ...base,
      issuer: 'http://idp.example.com',
    });
    expect(insecure.statusCode).toBe(400);
    expect(insecure.json().problems[0].code).toBe('insecure_issuer');
    const domains = await world.as('eastAdmin', 'POST', '/api/admin/sso-providers', {
      ...base,
      allowedDomains: [],
    });
    expect(domains.statusCode).toBe(400);
    const missing = await world.as('eastAdmin', 'PATCH', '/api/admin/sso-providers/nope', { name: 'x' });
    expect(missing.statusCode).toBe(404);
  });

  it('keeps the client secret, authorization codes and state cookies out of the logs', () => {
    const text = logs.join('');
    expect(text).toContain('/api/auth/sso/callback');
    expect(seen.codes.length).toBeGreaterThan(3);
    for (const secret of [idp.clientSecret, ...seen.codes, ...seen.cookies])
      expect(text).not.toContain(secret);
  });
});

describe('issuer discovery goes through the outbound-address guard', () => {
  let idp: TestIdp;
  beforeAll(async () => {
    idp = await startTestIdp(CALLBACK);
  });
  afterAll(async () => idp?.close());

  it('refuses a loopback issuer unless OUTBOUND_ALLOW_HOSTS allows it', async () => {
    const row = {
      issuer: idp.issuer,
      client_id: idp.clientId,
      client_secret_enc: (await import('../../src/mail/secrets.ts')).encryptSecret(
        testConfig().secretKey,
        idp.clientSecret,
      ),
    };
    await expect(discoverProvider(testConfig({ outboundAllowList: [] }), row)).rejects.toBeInstanceOf(
      OutboundAddressRefused,
    );
    const allowed = await discoverProvider(testConfig(), row);
    expect(allowed.serverMetadata().issuer).toBe(idp.issuer);

    const world = await createWorld('sqlite', { config: { outboundAllowList: [] } });
    try {
      const refused = await world.as('eastAdmin', 'POST', '/api/admin/sso-providers', {
        name: 'Local',
        issuer: idp.issuer,
        clientId: idp.clientId,
        clientSecret: idp.clientSecret,
        allowedDomains: ['acme.test'],
        defaultBusinessUnitId: BU.east,
        defaultRole: 'seller',
      });
      expect(refused.statusCode).toBe(422);
      expect(refused.json().code).toBe('outbound_address_refused');
    } finally {
      await world.close();
    }
  });
});

describe('an identity provider that does not answer', () => {
  it('ends the start in a 502 naming the issuer and the network error, not a 500', async () => {
    const world = await createWorld('sqlite');
    try {
      const created = await world.as('eastAdmin', 'POST', '/api/admin/sso-providers', {
        name: 'Down',
        issuer: 'http://127.0.0.1:9',
        clientId: 'x',
        clientSecret: 'y',
        allowedDomains: ['acme.test'],
        defaultBusinessUnitId: BU.east,
        defaultRole: 'seller',
      });
      const start = await world.app.inject({
        method: 'GET',
        url: `/api/auth/sso/${created.json().id}/start`,
      });
      expect(start.statusCode).toBe(502);
      expect(start.json()).toMatchObject({ code: 'sso_provider_unreachable' });
      expect(start.json().detail).toContain('http://127.0.0.1:9');
      expect(start.json().detail).toContain('ECONNREFUSED');
    } finally {
      await world.close();
    }
  });
});
