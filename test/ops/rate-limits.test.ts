import { describe, expect, it } from 'vitest';
import { type ApiApp, buildApp } from '../../src/api/app.ts';
import { loadConfig, testConfig } from '../../src/config.ts';
import { countRateLimitHit, pruneRateLimitHits } from '../../src/store/repos/rate-limit-repo.ts';
import { dialects, freshStore } from '../support/databases.ts';
import { createWorld, type World } from '../support/world.ts';

const PROXY = '10.0.0.0/8';

/** A second server process on the same database (same clock), as behind a load balancer. */
async function secondServer(world: World, overrides: Parameters<typeof testConfig>[0] = {}): Promise<ApiApp> {
  const app = await buildApp({
    store: world.store,
    config: testConfig({ databaseUrl: world.store.url, trustProxy: PROXY, ...overrides }),
    clock: world.clock,
  });
  await app.ready();
  return app;
}

/** A request that arrives from the load balancer for `client`. */
function via(client: string) {
  return { remoteAddress: '10.0.0.1', headers: { 'x-forwarded-for': client } };
}

describe('API_TOKEN_RATE_LIMIT', () => {
  it('defaults to 600 a minute, 0 turns it off, and refuses nonsense', () => {
    const key = { STEPWISE_SECRET_KEY: 'test-secret-key-0123456789abcdef0123456789abcdef' };
    expect(loadConfig(key).apiTokenRateLimit).toBe(600);
    expect(loadConfig({ ...key, API_TOKEN_RATE_LIMIT: '0' }).apiTokenRateLimit).toBe(0);
    expect(() => loadConfig({ ...key, API_TOKEN_RATE_LIMIT: 'lots' })).toThrow(/API_TOKEN_RATE_LIMIT/);
  });
});

describe.each(dialects)('rate limits shared across processes on %s', (dialect) => {
  it('counts one hit per call in one window, starts a new window after it, and prunes ended ones', async () => {
    const store = await freshStore(dialect);
    try {
      const t = 1_000_000;
      expect(await countRateLimitHit(store.db, 'k', t, 60_000)).toEqual({ hits: 1, windowStart: t });
      expect(await countRateLimitHit(store.db, 'k', t + 59_999, 60_000)).toEqual({ hits: 2, windowStart: t });
      expect(await countRateLimitHit(store.db, 'k', t + 60_000, 60_000)).toEqual({
        hits: 1,
        windowStart: t + 60_000,
      });
      await countRateLimitHit(store.db, 'old', t - 10_000_000, 60_000);
      expect(await pruneRateLimitHits(store.db, t)).toBe(1);
    } finally {
      await store.close();
    }
  });

  it("adds up an API token's requests on two servers, answers 429 with Retry-After, and resets next minute", async () => {
    const world = await createWorld(dialect, { config: { apiTokenRateLimit: 5, trustProxy: PROXY } });
    const other = await secondServer(world, { apiTokenRateLimit: 5 });
    try {
      const tokenOf = async () =>
        ((await world.as('eastAdmin', 'POST', '/api/tokens', { name: 'sync' })).json() as { token: string })
          .token;
      const token = await tokenOf();
      const call = (app: ApiApp, bearer: string) =>
        app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${bearer}` } });
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++)
        statuses.push((await call(i % 2 === 0 ? world.app : other, token)).statusCode);
      expect(statuses).toEqual([200, 200, 200, 200, 200]);
      for (const app of [world.app, other]) {
        const limited = await call(app, token);
        expect(limited.statusCode).toBe(429);
        expect(limited.headers['content-type']).toContain('application/problem+json');
        expect(limited.json()).toMatchObject({ status: 429, code: 'rate_limited' });
        expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      }
      // Another token of the same user has its own budget; sessions are not limited by it.
      expect((await call(other, await tokenOf())).statusCode).toBe(200);
      expect((await world.as('eastAdmin', 'GET', '/api/me')).statusCode).toBe(200);
      world.clock.advance(61_000);
      expect((await call(other, token)).statusCode).toBe(200);
    } finally {
      await other.close();
      await world.close();
    }
  });

  it('limits tracking links and the inbound raw MIME endpoint per client across two servers', async () => {
    const world = await createWorld(dialect, { config: { trustProxy: PROXY } });
    const other = await secondServer(world);
    try {
      const endpoints = [
        { method: 'GET' as const, url: '/t/o/not-a-real-token.gif', ok: 200 },
        { method: 'GET' as const, url: '/t/c/not-a-real-token', ok: 404 },
        { method: 'POST' as const, url: '/api/inbound/mime?secret=wrong', ok: 401 },
      ];
      for (const endpoint of endpoints) {
        const send = (app: ApiApp, client: string) =>
          app.inject({
            method: endpoint.method,
            url: endpoint.url,
            remoteAddress: via(client).remoteAddress,
            headers: {
              ...via(client).headers,
              ...(endpoint.method === 'POST' ? { 'content-type': 'message/rfc822' } : {}),
            },
            ...(endpoint.method === 'POST' ? { payload: 'Subject: hi\r\n\r\nhi' } : {}),
          });
        // 600 a minute per client: 300 through each server.
        for (let i = 0; i < 600; i++) {
          const response = await send(i % 2 === 0 ? world.app : other, '198.51.100.7');
          if (response.statusCode !== endpoint.ok)
            throw new Error(`${endpoint.url} #${i}: ${response.statusCode}`);
        }
        const limited = await send(other, '198.51.100.7');
        expect(limited.statusCode, endpoint.url).toBe(429);
        expect(limited.json()).toMatchObject({ code: 'rate_limited' });
        // Another client behind the same proxy is not affected.
        expect((await send(world.app, '198.51.100.8')).statusCode, endpoint.url).toBe(endpoint.ok);
      }
      world.clock.advance(61_000);
      expect(
        (await world.app.inject({ method: 'GET', url: '/t/o/x.gif', ...via('198.51.100.7') })).statusCode,
      ).toBe(200);
    } finally {
      await other.close();
      await world.close();
    }
  }, 120_000);
});
