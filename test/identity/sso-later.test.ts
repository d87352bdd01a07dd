import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callbackUrl } from '../../src/api/sso/oidc.ts';
import { testConfig } from '../../src/config.ts';
import { CALLS_ONLY, engineOf, insertRecord, insertSequence, stepsOfRecord } from '../connections/helpers.ts';
import { setUpAcmeSso } from '../support/acme-sso.ts';
import { dialects } from '../support/databases.ts';
import { followSignOut, followToCallback, startTestIdp, type TestIdp } from '../support/oidc-idp.ts';
import { BU, createWorld, PASSWORD, signInRequest, USERS, type World } from '../support/world.ts';

/**
 * Single sign-on after the first sign-in (docs/sso.md), against a real OpenID provider on loopback: ID tokens
 * refused at the callback, the group mapping applied again at later sign-ins, and sign-out at the provider.
 * The first sign-in, state/code checks and enforcement are in sso.test.ts.
 */
const PUBLIC_URL = testConfig().publicUrl;
const CALLBACK = callbackUrl({ publicUrl: PUBLIC_URL });

const cookieOf = (response: LightMyRequestResponse, name: string) =>
  response.cookies.find((c) => c.name === name)?.value;

describe.each(dialects)('single sign-on after the first sign-in (%s)', (dialect) => {
  let world: World;
  let idp: TestIdp;
  let providerId: string;

  beforeAll(async () => {
    world = await createWorld(dialect);
    idp = await startTestIdp(CALLBACK, { postLogoutRedirectUri: `${PUBLIC_URL}/` });
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

  it('applies the group mapping again at a later sign-in (audited), but never demotes an admin', async () => {
    idp.accounts.set('dora', { email: 'dora@acme.test', name: 'Dora', groups: ['sales-managers-west'] });
    const signIn = async (account: string) => {
      const { back, ssoCookie } = await throughProvider(account);
      const done = await callback(back, ssoCookie);
      expect(done.statusCode, done.body).toBe(303);
      return (await me(done)).json();
    };
    const first = await signIn('dora');
    expect(first).toMatchObject({ roles: ['sales_manager'], businessUnitId: BU.west });
    // Dora leaves the managers' group at the provider: at her next sign-in she is a seller in the default unit.
    idp.accounts.get('dora')!.groups = ['staff'];
    expect(await signIn('dora')).toMatchObject({
      userId: first.userId,
      roles: ['seller'],
      businessUnitId: BU.east,
    });
    idp.accounts.get('dora')!.groups = ['sales-managers-west'];
    expect(await signIn('dora')).toMatchObject({ roles: ['sales_manager'], businessUnitId: BU.west });
    // Signing in with unchanged groups changes nothing and writes no audit entry.
    await signIn('dora');
    const updates = await world.store.db
      .selectFrom('audit_log')
      .select(['before_json', 'after_json'])
      .where('action', '=', 'user.updated_by_sso')
      .where('resource_id', '=', first.userId)
      .execute();
    expect(updates).toHaveLength(2);
    const pairs = updates.map((row) => [JSON.parse(row.before_json!), JSON.parse(row.after_json!)]);
    expect(pairs).toEqual(
      expect.arrayContaining([
        [
          { businessUnitId: BU.west, roles: ['sales_manager'] },
          { businessUnitId: BU.east, roles: ['seller'], provider: providerId },
        ],
        [
          { businessUnitId: BU.east, roles: ['seller'] },
          { businessUnitId: BU.west, roles: ['sales_manager'], provider: providerId },
        ],
      ]),
    );

    // The break-glass admin signs in with SSO from a group that maps to nothing: still an admin, same unit.
    idp.accounts.set('admin', { email: USERS.eastAdmin.email, name: 'East Admin', groups: ['staff'] });
    expect(await signIn('admin')).toMatchObject({
      userId: USERS.eastAdmin.id,
      roles: ['admin'],
      businessUnitId: USERS.eastAdmin.businessUnitId,
    });
    idp.accounts.get('admin')!.groups = ['sales-managers-west'];
    expect(await signIn('admin')).toMatchObject({
      roles: ['admin'],
      businessUnitId: USERS.eastAdmin.businessUnitId,
    });
  });

  it("gives back a step handed to someone whom a later sign-in moves out of the record's branch", async () => {
    idp.accounts.set('erin', { email: 'erin@acme.test', name: 'Erin', groups: ['sales-managers-west'] });
    const signIn = async () => {
      const { back, ssoCookie } = await throughProvider('erin');
      const done = await callback(back, ssoCookie);
      expect(done.statusCode, done.body).toBe(303);
      return (await me(done)).json();
    };
    const erin = await signIn();
    expect(erin).toMatchObject({ roles: ['sales_manager'], businessUnitId: BU.west });
    const engine = engineOf(world);
    try {
      const sequence = await insertSequence(world, CALLS_ONLY, {
        ownerId: USERS.westSeller.id,
        businessUnitId: BU.west,
      });
      const recordId = await insertRecord(world, {
        email: 'west-lead@customer.test',
        owner_id: USERS.westSeller.id,
        business_unit_id: BU.west,
      });
      const connected = await world.as('westSeller', 'POST', `/api/records/${recordId}/connection`, {
        sequenceId: sequence.sequenceId,
      });
      expect(connected.statusCode, connected.body).toBe(201);
      await engine.drain();
      const step = (await stepsOfRecord(world, recordId)).find((s) => s.status === 'due')!;
      const assigned = await world.as('westSeller', 'POST', `/api/steps/${step.id}/assign`, {
        userId: erin.userId,
      });
      expect(assigned.statusCode, assigned.body).toBe(200);

      // Erin leaves the West managers' group at the provider: a seller in East from her next sign-in.
      idp.accounts.get('erin')!.groups = ['staff'];
      expect(await signIn()).toMatchObject({ roles: ['seller'], businessUnitId: BU.east });
      const owner = (await stepsOfRecord(world, recordId)).find((s) => s.id === step.id)?.owner_id;
      expect(owner).toBe(USERS.westSeller.id);
    } finally {
      await engine.stop();
    }
  });

  it('refuses an ID token from another issuer, for another client, with a wrong nonce or expired: audited, no session', async () => {
    idp.accounts.set('carol', { email: 'carol@acme.test', name: 'Carol', groups: [] });
    const now = Math.floor(Date.now() / 1000);
    const cases: [string, (claims: Record<string, unknown>) => Record<string, unknown>, RegExp][] = [
      ['another issuer', (c) => ({ ...c, iss: 'https://evil.example.com' }), /claim: iss/],
      ['another client', (c) => ({ ...c, aud: 'another-client' }), /claim: aud/],
      ['a wrong nonce', (c) => ({ ...c, nonce: 'not-the-nonce-we-sent' }), /claim: nonce/],
      ['expired', (c) => ({ ...c, iat: now - 7200, exp: now - 3600 }), /claim: exp/],
    ];
    for (const [label, tamper, claim] of cases) {
      const before = await world.store.db
        .selectFrom('audit_log')
        .select(['id', 'after_json'])
        .where('action', '=', 'sso.sign_in_refused')
        .execute();
      const attempt = await throughProvider('carol');
      idp.tamperNextIdToken = tamper;
      const refused = await callback(attempt.back, attempt.ssoCookie);
      expect(idp.tamperNextIdToken, label).toBeNull();
      expect(refused.statusCode, `${label}: ${refused.body}`).toBe(400);
      expect(refused.json().code, label).toBe('sso_token_invalid');
      expect(refused.json().detail, label).toMatch(claim);
      expect(cookieOf(refused, 'sw_session'), label).toBeUndefined();
      const after = await world.store.db
        .selectFrom('audit_log')
        .select(['id', 'after_json'])
        .where('action', '=', 'sso.sign_in_refused')
        .execute();
      const added = after.filter((row) => !before.some((old) => old.id === row.id));
      expect(added, label).toHaveLength(1);
      expect(JSON.parse(added[0]!.after_json ?? '{}'), label).toMatchObject({
        code: 'sso_token_invalid',
        message: expect.stringMatching(claim),
      });
    }
    expect(
      await world.store.db.selectFrom('users').select('id').where('email', '=', 'carol@acme.test').execute(),
    ).toEqual([]);
    // The same person with an untouched token gets in: the refusals were the token's, not the account's.
    const fine = await throughProvider('carol');
    expect((await callback(fine.back, fine.ssoCookie)).statusCode).toBe(303);
  });

  it('signs out at the provider when it has an end_session_endpoint, and back to the sign-in page', async () => {
    const signedIn = await throughProvider('bob');
    const done = await callback(signedIn.back, signedIn.ssoCookie);
    const session = cookieOf(done, 'sw_session')!;
    const ssoSession = cookieOf(done, 'sw_sso_session')!;
    expect(ssoSession).toBeTruthy();
    const csrf = (await me(done)).json().csrfToken as string;
    const out = await world.app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: { cookie: `sw_session=${session}; sw_sso_session=${ssoSession}`, 'x-csrf-token': csrf },
    });
    expect(out.statusCode, out.body).toBe(200);
    const redirect = new URL(out.json().redirectUrl);
    const metadata = await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json();
    expect(`${redirect.origin}${redirect.pathname}`).toBe(metadata.end_session_endpoint);
    expect(redirect.searchParams.get('post_logout_redirect_uri')).toBe(`${PUBLIC_URL}/`);
    expect(redirect.searchParams.get('id_token_hint')).toMatch(/^ey/);
    expect(out.cookies.find((c) => c.name === 'sw_sso_session')?.value).toBe('');
    // The local session is over at once.
    const after = await world.app.inject({
      method: 'GET',
      url: '/api/me',
      headers: { cookie: `sw_session=${session}` },
    });
    expect(after.statusCode).toBe(401);
    // The provider accepts the hint and the return address and sends the browser back to the sign-in page.
    expect(await followSignOut(redirect.href)).toBe(`${PUBLIC_URL}/`);

    // A password session (no SSO cookie), or another user's SSO cookie, only ends the local session.
    const password = await world.session('eastSeller2');
    const local = await world.app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: { cookie: `${password.cookie}; sw_sso_session=${ssoSession}`, 'x-csrf-token': password.csrf },
    });
    expect(local.statusCode).toBe(204);
    // A password sign-in drops a left-over SSO sign-out cookie.
    const passwordSignIn = await signInRequest(world.app, {
      email: USERS.eastSeller2.email,
      password: PASSWORD,
    });
    expect(cookieOf(passwordSignIn, 'sw_sso_session')).toBe('');
  });

  it('only ends the local session when the provider has no end_session_endpoint', async () => {
    const plain = await startTestIdp(CALLBACK, { noLogout: true });
    try {
      plain.accounts.set('erin', { email: 'erin@acme.test', name: 'Erin', groups: [] });
      plain.nextAccount = 'erin';
      const created = await world.as('eastAdmin', 'POST', '/api/admin/sso-providers', {
        name: 'Plain ID',
        issuer: plain.issuer,
        clientId: plain.clientId,
        clientSecret: plain.clientSecret,
        allowedDomains: ['acme.test'],
        defaultBusinessUnitId: BU.east,
        defaultRole: 'seller',
      });
      expect(created.statusCode, created.body).toBe(201);
      const start = await world.app.inject({
        method: 'GET',
        url: `/api/auth/sso/${created.json().id}/start`,
      });
      const back = await followToCallback(start.headers.location as string, CALLBACK);
      const done = await callback(back, cookieOf(start, 'sw_sso')!);
      expect(done.statusCode, done.body).toBe(303);
      const session = cookieOf(done, 'sw_session')!;
      const csrf = (await me(done)).json().csrfToken as string;
      const out = await world.app.inject({
        method: 'POST',
        url: '/api/auth/logout',
        headers: {
          cookie: `sw_session=${session}; sw_sso_session=${cookieOf(done, 'sw_sso_session')}`,
          'x-csrf-token': csrf,
        },
      });
      expect(out.statusCode, out.body).toBe(204);
      const after = await world.app.inject({
        method: 'GET',
        url: '/api/me',
        headers: { cookie: `sw_session=${session}` },
      });
      expect(after.statusCode).toBe(401);
    } finally {
      await plain.close();
    }
  });
});
