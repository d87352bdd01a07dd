import { expect } from 'vitest';
import type { TestIdp } from './oidc-idp.ts';
import { BU, USERS, type World } from './world.ts';

/**
 * The SSO tests' organisation set-up: the provider's people (Alice in the West managers' group, Bob in none that
 * maps, Mallory from a domain that is not allowed, and the East seller) and "Acme ID" configured through the
 * admin API with one group mapping. Returns the provider's id.
 */
export async function setUpAcmeSso(world: World, idp: TestIdp): Promise<string> {
  idp.accounts.set('alice', {
    email: 'alice@acme.test',
    name: 'Alice Example',
    groups: ['sales-managers-west'],
  });
  idp.accounts.set('bob', { email: 'bob@acme.test', name: 'Bob Example', groups: ['staff'] });
  idp.accounts.set('mallory', { email: 'mallory@elsewhere.test', name: 'Mallory', groups: [] });
  idp.accounts.set('seller', { email: USERS.eastSeller.email, name: 'East Seller', groups: [] });
  const created = await world.as('eastAdmin', 'POST', '/api/admin/sso-providers', {
    name: 'Acme ID',
    issuer: idp.issuer,
    clientId: idp.clientId,
    clientSecret: idp.clientSecret,
    allowedDomains: ['acme.test', 'Example.com'],
    defaultBusinessUnitId: BU.east,
    defaultRole: 'seller',
    groupsClaim: 'groups',
    groupMappings: [{ group: 'sales-managers-west', role: 'sales_manager', businessUnitId: BU.west }],
  });
  expect(created.statusCode, created.body).toBe(201);
  return created.json().id;
}
