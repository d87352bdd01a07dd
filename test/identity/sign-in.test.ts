import { describe, expect, it } from 'vitest';
import { HOUR } from '../../src/engine/clock.ts';
import { dialects } from '../support/databases.ts';
import { createWorld, PASSWORD, signInRequest, USERS, type World } from '../support/world.ts';

async function login(world: World, email: string, password: string, remoteAddress = '127.0.0.1') {
  return signInRequest(world.app, { email, password }, { remoteAddress });
}

function sessionOf(response: Awaited<ReturnType<typeof login>>) {
  const cookie = response.cookies.find((c) => c.name === 'sw_session');
  if (!cookie) throw new Error(`no session cookie: ${response.body}`);
  return { cookie: `sw_session=${cookie.value}`, csrf: (response.json() as { csrfToken: string }).csrfToken };
}

describe.each(dialects)('sign-in on %s', (dialect) => {
  it('sets an HTTP-only session cookie, ends it at sign-out and after the TTL', async () => {
    const world = await createWorld(dialect);
    try {
      const response = await login(world, USERS.eastSeller.email, PASSWORD);
      expect(response.statusCode).toBe(200);
      const cookie = response.cookies.find((c) => c.name === 'sw_session')!;
      expect(cookie.httpOnly).toBe(true);
      expect(cookie.sameSite).toBe('Lax');
      // The database holds only the SHA-256 of the cookie value.
      const stored = await world.store.db.selectFrom('sessions').select('id').execute();
      expect(stored.map((s) => s.id)).not.toContain(cookie.value);

      const s = sessionOf(response);
      const me = () => world.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: s.cookie } });
      expect((await me()).statusCode).toBe(200);
      world.clock.advance(12 * HOUR - 1);
      expect((await me()).statusCode).toBe(200);
      world.clock.advance(1);
      const expired = await me();
      expect(expired.statusCode).toBe(401);
      expect(expired.headers['content-type']).toContain('application/problem+json');
      expect(expired.json().code).toBe('unauthenticated');

      const again = sessionOf(await login(world, USERS.eastSeller.email, PASSWORD));
      // Signing in again clears the expired session row.
      const rows = await world.store.db
        .selectFrom('sessions')
        .select('expires_at')
        .where('user_id', '=', USERS.eastSeller.id)
        .execute();
      expect(rows.every((row) => row.expires_at > world.clock.now())).toBe(true);
      const out = await world.app.inject({
        method: 'POST',
        url: '/api/auth/logout',
        headers: { cookie: again.cookie, 'x-csrf-token': again.csrf },
      });
      expect(out.statusCode).toBe(204);
      const after = await world.app.inject({
        method: 'GET',
        url: '/api/me',
        headers: { cookie: again.cookie },
      });
      expect(after.statusCode).toBe(401);
    } finally {
      await world.close();
    }
  });

  it('refuses cookie writes with a wrong CSRF token, but not token-authenticated writes', async () => {
    const world = await createWorld(dialect);
    try {
      const s = await world.session('eastSeller');
      const wrong = await world.app.inject({
        method: 'PATCH',
        url: '/api/me/profile',
        headers: { cookie: s.cookie, 'x-csrf-token': `${s.csrf}x` },
        payload: { name: 'Changed' },
      });
      expect(wrong.statusCode).toBe(403);
      expect(wrong.json().code).toBe('csrf_failed');
      const profile = await world.as('eastSeller', 'GET', '/api/me/profile');
      expect(profile.json().name).toBe('east.seller');
    } finally {
      await world.close();
    }
  });

  it('does not tell unknown emails from wrong passwords, and refuses deactivated users', async () => {
    const world = await createWorld(dialect);
    try {
      const unknown = await login(world, 'nobody@example.com', PASSWORD);
      const wrong = await login(world, USERS.eastSeller.email, 'wrong-password');
      expect([unknown.statusCode, wrong.statusCode]).toEqual([401, 401]);
      expect(unknown.json().code).toBe('invalid_credentials');
      expect(unknown.json().detail).toBe(wrong.json().detail);

      // Sign-in is by email regardless of case and surrounding spaces.
      expect((await login(world, `  ${USERS.eastSeller.email.toUpperCase()} `, PASSWORD)).statusCode).toBe(
        200,
      );

      await world.store.db
        .updateTable('users')
        .set({ active: 0 })
        .where('id', '=', USERS.westSeller.id)
        .execute();
      expect((await login(world, USERS.westSeller.email, PASSWORD)).statusCode).toBe(401);
    } finally {
      await world.close();
    }
  });

  it('rate-limits sign-in per address: the 31st attempt within a minute gets 429 rate_limited', async () => {
    const world = await createWorld(dialect);
    try {
      // 30 guesses from one address over many accounts (each account also has its own, lower limit).
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) {
        statuses.push(
          (await login(world, `guess-${i}@example.com`, 'wrong-password', '10.0.0.7')).statusCode,
        );
      }
      expect(statuses).toEqual(Array(30).fill(401));
      // Even the right password of a real account is refused now: the limit protects against guessing.
      const limited = await login(world, USERS.eastSeller.email, PASSWORD, '10.0.0.7');
      expect(limited.statusCode).toBe(429);
      expect(limited.headers['content-type']).toContain('application/problem+json');
      expect(limited.json()).toMatchObject({ status: 429, code: 'rate_limited' });
      expect(limited.headers['retry-after']).toBeDefined();
      // Another address is not affected.
      expect((await login(world, USERS.eastSeller.email, PASSWORD, '10.0.0.8')).statusCode).toBe(200);
    } finally {
      await world.close();
    }
  });

  it('changes the password: needs the current one and 12+ characters, ends the other sessions', async () => {
    const world = await createWorld(dialect);
    try {
      const first = sessionOf(await login(world, USERS.eastSeller.email, PASSWORD));
      const second = sessionOf(await login(world, USERS.eastSeller.email, PASSWORD));
      const colleague = await world.session('eastSeller2');
      const change = (body: unknown) =>
        world.app.inject({
          method: 'POST',
          url: '/api/me/password',
          headers: { cookie: first.cookie, 'x-csrf-token': first.csrf },
          payload: body as Record<string, unknown>,
        });

      const short = await change({ currentPassword: PASSWORD, newPassword: 'short' });
      expect(short.statusCode).toBe(400);
      expect(short.json().problems.map((p: { path: string[] }) => p.path.join('.'))).toContain(
        'body.newPassword',
      );
      const wrongCurrent = await change({ currentPassword: 'not-it', newPassword: 'a-much-longer-secret' });
      expect(wrongCurrent.statusCode).toBe(403);
      expect(wrongCurrent.json().code).toBe('wrong_password');

      expect(
        (await change({ currentPassword: PASSWORD, newPassword: 'a-much-longer-secret' })).statusCode,
      ).toBe(204);
      const meWith = (cookie: string) =>
        world.app.inject({ method: 'GET', url: '/api/me', headers: { cookie } });
      expect((await meWith(first.cookie)).statusCode).toBe(200);
      expect((await meWith(second.cookie)).statusCode).toBe(401);
      expect((await meWith(colleague.cookie)).statusCode).toBe(200);

      expect((await login(world, USERS.eastSeller.email, PASSWORD)).statusCode).toBe(401);
      expect((await login(world, USERS.eastSeller.email, 'a-much-longer-secret')).statusCode).toBe(200);
      const hash = await world.store.db
        .selectFrom('users')
        .select('password_hash')
        .where('id', '=', USERS.eastSeller.id)
        .executeTakeFirstOrThrow();
      expect(hash.password_hash).toMatch(/^\$argon2id\$/);

      const audit = await world.store.db
        .selectFrom('audit_log')
        .selectAll()
        .where('action', '=', 'user.password_changed')
        .execute();
      expect(audit).toHaveLength(1);
      expect(audit[0]!.after_json).not.toContain('a-much-longer-secret');
    } finally {
      await world.close();
    }
  });
});
