import { afterEach, describe, expect, it } from 'vitest';
import { createWorld, PASSWORD, signInRequest, USERS, type World } from '../support/world.ts';

/** Login CSRF, the Bearer scheme, Fastify's errors as our codes, and the API docs behind sign-in. */
describe('HTTP hardening', () => {
  let world: World;
  afterEach(async () => {
    await world.close();
  });

  it('signs nobody in without the pre-session token (login CSRF)', async () => {
    world = await createWorld('sqlite');
    const credentials = { email: USERS.eastSeller.email, password: PASSWORD };
    // What a page on another site can send: a form post, or JSON without our header.
    const form = await world.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams(credentials).toString(),
    });
    const json = await world.app.inject({ method: 'POST', url: '/api/auth/login', payload: credentials });
    const mismatched = await world.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { cookie: 'sw_login=one-value', 'x-login-token': 'another-value' },
      payload: credentials,
    });
    for (const refused of [form, json, mismatched]) {
      expect(refused.statusCode).toBe(403);
      expect(refused.json().code).toBe('login_csrf_failed');
      expect(refused.cookies.find((c) => c.name === 'sw_session')).toBeUndefined();
    }

    const pre = await world.app.inject({ method: 'GET', url: '/api/auth/login-token' });
    const cookie = pre.cookies.find((c) => c.name === 'sw_login')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', value: pre.json().loginToken });
    const ok = await signInRequest(world.app, credentials);
    expect(ok.statusCode).toBe(200);
    expect(ok.cookies.find((c) => c.name === 'sw_session')).toBeDefined();
  });

  it('takes the Bearer scheme in any case (RFC 7235) and refuses a malformed one', async () => {
    world = await createWorld('sqlite');
    const { token } = (await world.as('eastSeller', 'POST', '/api/tokens', { name: 'scheme' })).json() as {
      token: string;
    };
    const me = (authorization: string, cookie?: string) =>
      world.app.inject({
        method: 'GET',
        url: '/api/me',
        headers: { authorization, ...(cookie ? { cookie } : {}) },
      });
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      const answer = await me(`${scheme} ${token}`);
      expect(answer.statusCode, scheme).toBe(200);
      expect(answer.json().email).toBe(USERS.eastSeller.email);
    }
    for (const bad of ['Bearer', 'Bearer ', `Bearer ${token} extra`, `Bearer\t${token}`]) {
      const answer = await me(bad);
      expect(answer.statusCode, bad).toBe(401);
      expect(answer.json().code).toBe('unauthenticated');
    }
    // Other schemes (e.g. Basic from a reverse proxy in front of Stepwise) are not ours: the session decides.
    const session = await world.session('eastSeller');
    expect((await me('Basic dXNlcjpwYXNz', session.cookie)).statusCode).toBe(200);
    expect((await me('Basic dXNlcjpwYXNz')).statusCode).toBe(401);
  });

  it("answers Fastify's own request errors with our lowercase problem codes", async () => {
    world = await createWorld('sqlite');
    const session = await world.session('eastSeller');
    const post = (headers: Record<string, string>, payload: string) =>
      world.app.inject({
        method: 'POST',
        url: '/api/records',
        headers: { cookie: session.cookie, 'x-csrf-token': session.csrf, ...headers },
        payload,
      });
    const tooLarge = await post(
      { 'content-type': 'application/json' },
      JSON.stringify({ type: 'lead', notes: 'x'.repeat(6 * 1024 * 1024) }),
    );
    expect(tooLarge.statusCode).toBe(413);
    expect(tooLarge.headers['content-type']).toContain('application/problem+json');
    expect(tooLarge.json()).toMatchObject({
      status: 413,
      code: 'payload_too_large',
      title: 'Payload Too Large',
    });

    const xml = await post({ 'content-type': 'application/xml' }, '<lead/>');
    expect(xml.statusCode).toBe(415);
    expect(xml.json()).toMatchObject({ code: 'unsupported_media_type' });

    const broken = await post({ 'content-type': 'application/json' }, '{"type": "lead",');
    expect(broken.statusCode).toBe(400);
    expect(broken.json()).toMatchObject({ code: 'invalid_json' });

    const empty = await post({ 'content-type': 'application/json' }, '');
    expect(empty.statusCode).toBe(400);
    expect(empty.json().code).toBe('invalid_json');
    for (const answer of [tooLarge, xml, broken, empty]) expect(answer.json().code).not.toMatch(/fst_err/i);
  });

  it('keeps /api/docs and the OpenAPI document behind sign-in unless PUBLIC_API_DOCS=true', async () => {
    world = await createWorld('sqlite');
    for (const url of [
      '/api/docs',
      '/api/docs/',
      '/api/docs/json',
      '/api/openapi.json',
      '/api/docs/static/index.html',
    ]) {
      const anonymous = await world.app.inject({ method: 'GET', url });
      expect(anonymous.statusCode, url).toBe(401);
      expect(anonymous.json().code).toBe('unauthenticated');
    }
    expect([200, 302]).toContain((await world.as('eastSeller', 'GET', '/api/docs')).statusCode);
    expect((await world.as('eastSeller', 'GET', '/api/openapi.json')).statusCode).toBe(200);
    await world.close();

    world = await createWorld('sqlite', { config: { publicApiDocs: true } });
    expect([200, 302]).toContain((await world.app.inject({ method: 'GET', url: '/api/docs' })).statusCode);
    expect((await world.app.inject({ method: 'GET', url: '/api/openapi.json' })).statusCode).toBe(200);
  });
});
