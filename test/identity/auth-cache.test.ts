import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.ts';
import { AUTH_CACHE_TTL_MS } from '../../src/api/auth/request-cache.ts';
import { testConfig } from '../../src/config.ts';
import { openStore } from '../../src/store/db.ts';
import { dialects } from '../support/databases.ts';
import { createWorld, ORG_ID, USERS, type World } from '../support/world.ts';

/** A new API token of `user`, made through their signed-in session. */
async function tokenOf(world: World, user: 'eastSeller' | 'eastSeller2') {
  const created = await world.as(user, 'POST', '/api/tokens', { name: 'integration' });
  expect(created.statusCode).toBe(201);
  return created.json() as { id: string; token: string };
}

const me = (app: World['app'], token: string) =>
  app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${token}` } });

describe.each(dialects)('the per-process token and permission cache on %s', (dialect) => {
  it('a revoked token, a changed role and a deactivated user take effect at once in the same process', async () => {
    const world = await createWorld(dialect);
    try {
      const { token } = await tokenOf(world, 'eastSeller');
      const second = await tokenOf(world, 'eastSeller2');
      // Used (and so remembered) before each change.
      expect((await me(world.app, token)).json().roles).toEqual(['seller']);
      expect((await me(world.app, second.token)).statusCode).toBe(200);

      const promoted = await world.as('eastAdmin', 'PATCH', `/api/admin/users/${USERS.eastSeller.id}`, {
        roles: ['seller', 'sales_manager'],
      });
      expect(promoted.statusCode).toBe(200);
      expect((await me(world.app, token)).json().roles).toEqual(['sales_manager', 'seller']);
      // The new role's rights too: a manager may read another seller's work list.
      const others = await world.app.inject({
        method: 'GET',
        url: `/api/worklist?ownerId=${USERS.eastSeller2.id}`,
        headers: { authorization: `Bearer ${token}` },
      });
      expect(others.statusCode).toBe(200);

      expect((await world.as('eastSeller2', 'DELETE', `/api/tokens/${second.id}`)).statusCode).toBe(204);
      expect((await me(world.app, second.token)).statusCode).toBe(401);

      const disabled = await world.as('eastAdmin', 'PATCH', `/api/admin/users/${USERS.eastSeller.id}`, {
        active: false,
      });
      expect(disabled.statusCode).toBe(200);
      const refused = await me(world.app, token);
      expect(refused.statusCode).toBe(401);
      expect(refused.json().detail).toContain('deactivated');
    } finally {
      await world.close();
    }
  });

  it('a change written straight to the store (not through a route) also takes effect at once', async () => {
    const world = await createWorld(dialect);
    try {
      const { token } = await tokenOf(world, 'eastSeller');
      expect((await me(world.app, token)).json().roles).toEqual(['seller']);
      await world.store.db
        .insertInto('role_assignments')
        .values({ org_id: ORG_ID, user_id: USERS.eastSeller.id, role: 'sequence_manager' })
        .execute();
      expect((await me(world.app, token)).json().roles).toEqual(['seller', 'sequence_manager']);
      await world.store.db
        .updateTable('api_tokens')
        .set({ revoked_at: world.clock.now() })
        .where('user_id', '=', USERS.eastSeller.id)
        .execute();
      expect((await me(world.app, token)).statusCode).toBe(401);
    } finally {
      await world.close();
    }
  });

  it(`another process sees a revoked token and a changed role within ${AUTH_CACHE_TTL_MS} ms`, async () => {
    const world = await createWorld(dialect, { file: true });
    // A second `serve` on the same database: its own store, so it learns of the change only from the database.
    const otherStore = openStore(world.store.url);
    const other = await buildApp({
      store: otherStore,
      config: testConfig({ databaseUrl: world.store.url }),
      clock: world.clock,
    });
    try {
      const { token } = await tokenOf(world, 'eastSeller');
      const second = await tokenOf(world, 'eastSeller2');
      expect((await me(other, token)).json().roles).toEqual(['seller']);
      expect((await me(other, second.token)).statusCode).toBe(200);

      expect((await world.as('eastSeller2', 'DELETE', `/api/tokens/${second.id}`)).statusCode).toBe(204);
      const promoted = await world.as('eastAdmin', 'PATCH', `/api/admin/users/${USERS.eastSeller.id}`, {
        roles: ['seller', 'sales_manager'],
      });
      expect(promoted.statusCode).toBe(200);
      // This process at once; the other one once what it remembers has expired.
      expect((await me(world.app, second.token)).statusCode).toBe(401);
      await sleep(AUTH_CACHE_TTL_MS + 100);
      expect((await me(other, second.token)).statusCode).toBe(401);
      expect((await me(other, token)).json().roles).toEqual(['sales_manager', 'seller']);

      expect(
        (await world.as('eastAdmin', 'PATCH', `/api/admin/users/${USERS.eastSeller.id}`, { active: false }))
          .statusCode,
      ).toBe(200);
      await sleep(AUTH_CACHE_TTL_MS + 100);
      expect((await me(other, token)).statusCode).toBe(401);
    } finally {
      await other.close();
      await otherStore.close();
      await world.close();
    }
  });
});
