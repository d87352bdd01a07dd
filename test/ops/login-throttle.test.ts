import { describe, expect, it } from 'vitest';
import { type ApiApp, buildApp } from '../../src/api/app.ts';
import { loadConfig, testConfig } from '../../src/config.ts';
import { dialects } from '../support/databases.ts';
import { createWorld, PASSWORD, USERS } from '../support/world.ts';

/** Every request arrives from the load balancer (10.0.0.1); the client is in X-Forwarded-For. */
async function signIn(app: ApiApp, email: string, password: string, client: string) {
  const via = { remoteAddress: '10.0.0.1', headers: { 'x-forwarded-for': client } };
  const pre = await app.inject({ method: 'GET', url: '/api/auth/login-token', ...via });
  const { loginToken } = pre.json() as { loginToken: string };
  return app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { email, password },
    remoteAddress: via.remoteAddress,
    headers: { ...via.headers, cookie: `sw_login=${loginToken}`, 'x-login-token': loginToken },
  });
}

describe('TRUST_PROXY', () => {
  it('accepts true, false, a hop count or proxy addresses, and refuses anything else', () => {
    const key = { STEPWISE_SECRET_KEY: 'test-secret-key-0123456789abcdef0123456789abcdef' };
    expect(loadConfig(key).trustProxy).toBe(false);
    expect(loadConfig({ ...key, TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ ...key, TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ ...key, TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).trustProxy).toBe(
      '10.0.0.0/8,127.0.0.1',
    );
    expect(() => loadConfig({ ...key, TRUST_PROXY: 'yes please' })).toThrow(/TRUST_PROXY/);
  });
});

describe.each(dialects)('sign-in limits across processes behind a proxy on %s', (dialect) => {
  it('adds up attempts of two servers per account and client address, in the database', async () => {
    const world = await createWorld(dialect, { config: { trustProxy: '10.0.0.0/8' } });
    // A second server process on the same database.
    const other = await buildApp({
      store: world.store,
      config: testConfig({ databaseUrl: world.store.url, trustProxy: '10.0.0.0/8' }),
      clock: world.clock,
    });
    try {
      const seller = USERS.eastSeller.email;
      const statuses: number[] = [];
      for (let i = 0; i < 10; i++) {
        const app = i % 2 === 0 ? world.app : other;
        statuses.push((await signIn(app, seller, 'wrong-password', '203.0.113.5')).statusCode);
      }
      expect(statuses).toEqual(Array(10).fill(401));

      // Each server saw five, but together they are ten: the right password is refused now, on both.
      for (const app of [world.app, other]) {
        const limited = await signIn(app, seller, PASSWORD, '203.0.113.5');
        expect(limited.statusCode).toBe(429);
        expect(limited.json()).toMatchObject({ status: 429, code: 'too_many_login_attempts' });
        expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      }
      // The same account from another client, and another account from the same client, are not affected
      // (users behind the proxy do not share one bucket).
      expect((await signIn(other, seller, PASSWORD, '203.0.113.6')).statusCode).toBe(200);
      expect((await signIn(world.app, USERS.westSeller.email, PASSWORD, '203.0.113.5')).statusCode).toBe(200);

      // After the window the account can sign in from that address again.
      world.clock.advance(15 * 60_000);
      expect((await signIn(world.app, seller, PASSWORD, '203.0.113.5')).statusCode).toBe(200);
      // No email or address is stored in clear.
      const keys = await world.store.db.selectFrom('login_attempts').select('key').execute();
      expect(keys.some((row) => row.key.includes('@') || row.key.includes('203.0'))).toBe(false);
    } finally {
      await other.close();
      await world.close();
    }
  });
});
