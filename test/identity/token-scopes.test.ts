import { describe, expect, it } from 'vitest';
import type { TokenScope } from '../../src/domain/identity.ts';
import { HOUR } from '../../src/engine/clock.ts';
import { dialects } from '../support/databases.ts';
import { createWorld, PASSWORD, USERS, type World, type WorldUserKey } from '../support/world.ts';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

async function makeToken(
  world: World,
  user: WorldUserKey,
  body: { name?: string; scopes?: TokenScope[]; expiresAt?: number | null } = {},
): Promise<string> {
  const response = await world.as(user, 'POST', '/api/tokens', { name: 'integration', ...body });
  if (response.statusCode !== 201) throw new Error(`token not created: ${response.body}`);
  return (response.json() as { token: string }).token;
}

function bearer(world: World, token: string) {
  return (method: Method, url: string, payload?: Record<string, unknown>) =>
    world.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(payload ? { payload } : {}),
    });
}

const codeOf = (response: { json(): unknown }) => (response.json() as { code: string }).code;

describe.each(dialects)('API token scopes, expiry and revocation on %s', (dialect) => {
  it('enforces read, write and admin scopes on every kind of route', async () => {
    const world = await createWorld(dialect);
    try {
      const lead = { type: 'lead', name: 'Scoped Lead' };
      // An admin's read-only token reads, but cannot write or manage the organisation.
      const read = bearer(world, await makeToken(world, 'eastAdmin', { scopes: ['read'] }));
      expect((await read('GET', '/api/records')).statusCode).toBe(200);
      const refusedWrite = await read('POST', '/api/records', lead);
      expect(refusedWrite.statusCode).toBe(403);
      expect(refusedWrite.json()).toMatchObject({
        code: 'insufficient_scope',
        problems: [{ code: 'missing_scope:write' }],
      });
      for (const url of ['/api/admin/users', '/api/admin/audit', '/api/webhooks']) {
        const refused = await read('GET', url);
        expect([url, refused.statusCode, codeOf(refused)]).toEqual([url, 403, 'insufficient_scope']);
      }
      expect(await world.store.db.selectFrom('records').select('id').execute()).toHaveLength(0);

      // The default is read + write: everyday work, no organisation management.
      const created = await world.as('eastAdmin', 'POST', '/api/tokens', { name: 'default' });
      expect(created.json()).toMatchObject({ scopes: ['read', 'write'], expiresAt: null });
      const readWrite = bearer(world, created.json().token);
      expect((await readWrite('POST', '/api/records', lead)).statusCode).toBe(201);
      const settings = await readWrite('PATCH', '/api/admin/settings', { timeZone: 'Europe/Berlin' });
      expect([settings.statusCode, codeOf(settings)]).toEqual([403, 'insufficient_scope']);

      // admin adds organisation management to what read / write allow.
      const readAdmin = bearer(world, await makeToken(world, 'eastAdmin', { scopes: ['admin', 'read'] }));
      expect((await readAdmin('GET', '/api/admin/users')).statusCode).toBe(200);
      expect((await readAdmin('GET', '/api/webhooks')).statusCode).toBe(200);
      const rename = await readAdmin('PATCH', `/api/admin/users/${USERS.westSeller.id}`, { name: 'Renamed' });
      expect([rename.statusCode, codeOf(rename)]).toEqual([403, 'insufficient_scope']);
      const full = bearer(world, await makeToken(world, 'eastAdmin', { scopes: ['read', 'write', 'admin'] }));
      expect(
        (await full('PATCH', `/api/admin/users/${USERS.westSeller.id}`, { name: 'Renamed' })).statusCode,
      ).toBe(200);

      // A scope never adds to the user's roles: a seller's admin-scoped token is still no admin.
      const seller = bearer(world, await makeToken(world, 'eastSeller', { scopes: ['read', 'admin'] }));
      const notAdmin = await seller('GET', '/api/admin/users');
      expect([notAdmin.statusCode, codeOf(notAdmin)]).toEqual([403, 'forbidden']);

      // The list shows each token's scopes, in a fixed order.
      const list = await world.as('eastAdmin', 'GET', '/api/tokens');
      const scopes = list.json().items.map((t: { scopes: string[] }) => t.scopes.join(' '));
      expect(scopes.sort()).toEqual(['read', 'read admin', 'read write', 'read write admin']);
      const bad = await world.as('eastAdmin', 'POST', '/api/tokens', { name: 'none', scopes: [] });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().problems[0].path).toEqual(['body', 'scopes']);
      const adminAlone = await world.as('eastAdmin', 'POST', '/api/tokens', { name: 'x', scopes: ['admin'] });
      expect(adminAlone.statusCode).toBe(400);
      expect(adminAlone.json().problems[0]).toMatchObject({
        path: ['body', 'scopes'],
        message: expect.stringMatching(/read and\/or write/),
      });
      const unknown = await world.as('eastAdmin', 'POST', '/api/tokens', { name: 'x', scopes: ['root'] });
      expect(unknown.statusCode).toBe(400);
    } finally {
      await world.close();
    }
  });

  it('refuses an expired token with 401 token_expired, and expiry dates in the past', async () => {
    const world = await createWorld(dialect);
    try {
      const expiresAt = world.clock.now() + HOUR;
      const created = await world.as('eastSeller', 'POST', '/api/tokens', { name: 'short-lived', expiresAt });
      expect(created.statusCode).toBe(201);
      expect(created.json()).toMatchObject({ expiresAt, scopes: ['read', 'write'] });
      const call = bearer(world, created.json().token);
      world.clock.advance(HOUR - 1);
      expect((await call('GET', '/api/me')).statusCode).toBe(200);
      world.clock.advance(1);
      const expired = await call('GET', '/api/me');
      expect(expired.statusCode).toBe(401);
      expect(expired.headers['content-type']).toContain('application/problem+json');
      expect(codeOf(expired)).toBe('token_expired');
      const listed = (await world.as('eastSeller', 'GET', '/api/tokens')).json().items;
      expect(listed).toEqual([expect.objectContaining({ name: 'short-lived', expiresAt, revokedAt: null })]);

      for (const at of [world.clock.now() - 1, world.clock.now() + 3 * 366 * 24 * HOUR]) {
        const refused = await world.as('eastSeller', 'POST', '/api/tokens', { name: 'x', expiresAt: at });
        expect(refused.statusCode).toBe(400);
        expect(refused.json().problems[0]).toMatchObject({ path: ['body', 'expiresAt'] });
      }
    } finally {
      await world.close();
    }
  });

  it("revokes the user's tokens on password change and admin reset, unless asked to keep them", async () => {
    const world = await createWorld(dialect);
    try {
      const status = async (token: string) => (await bearer(world, token)('GET', '/api/me')).statusCode;
      const first = await makeToken(world, 'eastSeller');
      const colleague = await makeToken(world, 'eastSeller2');

      // Keeping them is an explicit choice.
      const kept = await world.as('eastSeller', 'POST', '/api/me/password', {
        currentPassword: PASSWORD,
        newPassword: 'amber-kettle-wander-7',
        keepApiTokens: true,
      });
      expect(kept.statusCode).toBe(204);
      expect(await status(first)).toBe(200);

      world.clock.advance(1000);
      const changed = await world.as('eastSeller', 'POST', '/api/me/password', {
        currentPassword: 'amber-kettle-wander-7',
        newPassword: 'violet-harbour-pencil-9',
      });
      expect(changed.statusCode).toBe(204);
      const revoked = await bearer(world, first)('GET', '/api/me');
      expect([revoked.statusCode, codeOf(revoked)]).toEqual([401, 'unauthenticated']);
      expect(await status(colleague)).toBe(200);
      const audit = await world.store.db
        .selectFrom('audit_log')
        .select('after_json')
        .where('action', '=', 'user.password_changed')
        .orderBy('at')
        .execute();
      expect(audit.map((row) => JSON.parse(row.after_json!).apiTokensRevoked)).toEqual([0, 1]);

      // An admin reset revokes them too; renaming does not; keepApiTokens keeps them.
      const second = await makeToken(world, 'eastSeller2');
      const reset = (body: Record<string, unknown>) =>
        world.as('eastAdmin', 'PATCH', `/api/admin/users/${USERS.eastSeller2.id}`, body);
      expect((await reset({ name: 'Renamed' })).statusCode).toBe(200);
      expect(await status(colleague)).toBe(200);
      expect((await reset({ password: 'copper-meadow-lantern-3', keepApiTokens: true })).statusCode).toBe(
        200,
      );
      expect(await status(colleague)).toBe(200);
      expect((await reset({ password: 'silver-orchard-rocket-5' })).statusCode).toBe(200);
      expect(await status(colleague)).toBe(401);
      expect(await status(second)).toBe(401);
      const rows = await world.store.db
        .selectFrom('api_tokens')
        .select(['user_id', 'revoked_at'])
        .where('user_id', '=', USERS.eastSeller2.id)
        .execute();
      expect(rows.every((row) => row.revoked_at === world.clock.now())).toBe(true);
    } finally {
      await world.close();
    }
  });

  it('describes scopes, expiry and the keep option in the OpenAPI document', async () => {
    const world = await createWorld(dialect);
    try {
      const doc = (await world.as('eastSeller', 'GET', '/api/openapi.json')).json();
      const token = doc.components.schemas.ApiToken;
      expect(token.required).toEqual(expect.arrayContaining(['scopes', 'expiresAt']));
      expect(JSON.stringify(token.properties.scopes)).toContain('"enum":["read","write","admin"]');
      const create = doc.paths['/api/tokens'].post;
      const createBody = create.requestBody.content['application/json'].schema;
      expect(Object.keys(createBody.properties)).toEqual(['name', 'scopes', 'expiresAt']);
      expect(create.responses['403']).toBeDefined();
      const password = doc.paths['/api/me/password'].post;
      expect(Object.keys(password.requestBody.content['application/json'].schema.properties)).toContain(
        'keepApiTokens',
      );
      expect(password.responses['429']).toBeDefined();
      const adminPatch = doc.paths['/api/admin/users/{id}'].patch;
      expect(Object.keys(adminPatch.requestBody.content['application/json'].schema.properties)).toContain(
        'keepApiTokens',
      );
    } finally {
      await world.close();
    }
  });
});
