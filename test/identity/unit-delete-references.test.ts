import { describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.ts';
import { BU, createWorld, type World } from '../support/world.ts';

/**
 * A business unit can be deleted only when nothing uses it. Single sign-on providers name units too (the unit of
 * new people, and a unit per mapped group): deleting such a unit left the provider creating people in — or moving
 * people at their next sign-in to — a unit that no longer exists, outside every branch of the tree.
 */
async function unit(world: World, name: string): Promise<string> {
  const created = await world.as('eastAdmin', 'POST', '/api/admin/business-units', {
    name,
    parentId: BU.east,
  });
  expect(created.statusCode, created.body).toBe(201);
  return created.json().id;
}

describe.each(dialects)('deleting a business unit a single sign-on provider uses (%s)', (dialect) => {
  it('is refused while a provider names it, and allowed once it no longer does', async () => {
    const world = await createWorld(dialect);
    try {
      const newcomers = await unit(world, 'Newcomers');
      const partners = await unit(world, 'Partners');
      const provider = await world.as('eastAdmin', 'POST', '/api/admin/sso-providers', {
        name: 'Acme ID',
        issuer: 'http://127.0.0.1:9/realms/acme',
        clientId: 'stepwise',
        clientSecret: 'client-secret-value',
        allowedDomains: ['acme.test'],
        defaultBusinessUnitId: newcomers,
        defaultRole: 'seller',
        groupsClaim: 'groups',
        groupMappings: [{ group: 'partners', role: 'seller', businessUnitId: partners }],
      });
      expect(provider.statusCode, provider.body).toBe(201);

      for (const id of [newcomers, partners]) {
        const refused = await world.as('eastAdmin', 'DELETE', `/api/admin/business-units/${id}`);
        expect(refused.statusCode, refused.body).toBe(409);
        expect(refused.json()).toMatchObject({ code: 'business_unit_not_empty' });
        expect(refused.json().problems).toEqual([
          { path: ['ssoProviders'], code: 'not_empty', message: '1 ssoProviders' },
        ]);
      }
      const units = (await world.as('eastAdmin', 'GET', '/api/admin/business-units')).json();
      expect(JSON.stringify(units)).toContain(newcomers);

      const changed = await world.as('eastAdmin', 'PATCH', `/api/admin/sso-providers/${provider.json().id}`, {
        defaultBusinessUnitId: BU.east,
        groupMappings: [],
      });
      expect(changed.statusCode, changed.body).toBe(200);
      for (const id of [newcomers, partners]) {
        expect((await world.as('eastAdmin', 'DELETE', `/api/admin/business-units/${id}`)).statusCode).toBe(
          204,
        );
      }
    } finally {
      await world.close();
    }
  });
});
