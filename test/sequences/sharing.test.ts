import { describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.ts';
import { BU, createWorld, ORG_ID, USERS, type World } from '../support/world.ts';

/*
 * SPEC.md §4: "A sequence can be shared with a user or team, which gives them full rights on it". A seller of
 * another business unit neither sees nor edits a sequence until it is shared with them or with their unit, and
 * loses it again when the share is removed; only who may share it manages its shares.
 */

const DEFINITION = {
  start: 'call',
  nodes: [{ id: 'call', kind: 'task', name: 'Call the lead', next: null }],
};
const WEST = USERS.westSeller.id;

async function seedOtherOrg(world: World) {
  const now = world.clock.now();
  await world.store.db
    .insertInto('orgs')
    .values({ id: 'org-2', name: 'Other', settings_json: '{}', created_at: now })
    .execute();
  await world.store.db
    .insertInto('business_units')
    .values({ org_id: 'org-2', id: 'bu-other', name: 'Other unit', parent_id: null, created_at: now })
    .execute();
  await world.store.db
    .insertInto('users')
    .values({
      org_id: 'org-2',
      id: 'u-other',
      email: 'other@example.org',
      name: 'Other person',
      password_hash: 'x',
      business_unit_id: 'bu-other',
      locale: 'en',
      time_zone: null,
      working_hours_json: '{}',
      preferences_json: '{}',
      active: 1,
      created_at: now,
    })
    .execute();
}

const auditOf = (world: World, sequenceId: string) =>
  world.store.db
    .selectFrom('audit_log')
    .select(['action', 'actor_id', 'before_json', 'after_json'])
    .where('org_id', '=', ORG_ID)
    .where('resource_id', '=', sequenceId)
    .where('action', 'like', 'sequence.%share')
    .orderBy('id')
    .execute();

describe.each(dialects)('sharing a sequence on %s', (dialect) => {
  it('gives a seller of another unit full rights while shared with them or their unit, and takes them back', async () => {
    const world = await createWorld(dialect);
    try {
      const created = await world.as('eastSeller', 'POST', '/api/sequences', { name: 'East outreach' });
      const id = created.json().id as string;
      expect(
        (await world.as('eastSeller', 'PUT', `/api/sequences/${id}/definition`, DEFINITION)).statusCode,
      ).toBe(200);
      const listed = async () =>
        (await world.as('westSeller', 'GET', '/api/sequences')).json().items.map((s: { id: string }) => s.id);

      // Before: the west seller cannot see, edit or share it.
      expect((await world.as('westSeller', 'GET', `/api/sequences/${id}`)).statusCode).toBe(404);
      expect(await listed()).not.toContain(id);
      expect(
        (await world.as('westSeller', 'PUT', `/api/sequences/${id}/shares/user/${WEST}`)).statusCode,
      ).toBe(404);
      // A colleague of the owner sees it but may not share it: 403 naming the permission.
      const refused = await world.as('eastSeller2', 'PUT', `/api/sequences/${id}/shares/user/${WEST}`);
      expect(refused.statusCode).toBe(403);
      expect(refused.json().problems[0].code).toBe('missing_permission:sequence.share');
      expect((await world.as('eastSeller2', 'GET', `/api/sequences/${id}/shares`)).statusCode).toBe(403);
      expect((await world.as('eastSeller2', 'GET', `/api/sequences/${id}`)).json().permissions.share).toBe(
        false,
      );
      expect((await world.as('eastSeller', 'GET', `/api/sequences/${id}`)).json().permissions.share).toBe(
        true,
      );

      // The owner shares it with the west seller, twice: one share, one audit entry.
      const shared = await world.as('eastSeller', 'PUT', `/api/sequences/${id}/shares/user/${WEST}`);
      expect(shared.statusCode).toBe(200);
      expect(shared.json().items).toEqual([
        expect.objectContaining({
          principalType: 'user',
          principalId: WEST,
          name: 'west.seller',
          businessUnitName: 'West',
        }),
      ]);
      const again = await world.as('eastSeller', 'PUT', `/api/sequences/${id}/shares/user/${WEST}`);
      expect(again.json().items).toHaveLength(1);

      // Now the west seller opens, edits and activates it, and may share it on.
      expect(await listed()).toContain(id);
      const opened = await world.as('westSeller', 'GET', `/api/sequences/${id}`);
      expect(opened.statusCode).toBe(200);
      expect(opened.json().permissions).toMatchObject({ edit: true, activate: true, share: true });
      const renamed = await world.as('westSeller', 'PATCH', `/api/sequences/${id}`, {
        description: 'Edited in the west',
      });
      expect(renamed.statusCode).toBe(200);
      const activated = await world.as('westSeller', 'POST', `/api/sequences/${id}/activate`, {});
      expect(activated.statusCode).toBe(200);
      expect(activated.json().status).toBe('active');
      expect((await world.as('westSeller', 'GET', `/api/sequences/${id}/shares`)).statusCode).toBe(200);

      // The owner removes the share (twice: the second is a no-op): the sequence is gone for the west seller.
      const removed = await world.as('eastSeller', 'DELETE', `/api/sequences/${id}/shares/user/${WEST}`);
      expect(removed.statusCode).toBe(200);
      expect(removed.json().items).toEqual([]);
      expect(
        (await world.as('eastSeller', 'DELETE', `/api/sequences/${id}/shares/user/${WEST}`)).statusCode,
      ).toBe(200);
      expect((await world.as('westSeller', 'GET', `/api/sequences/${id}`)).statusCode).toBe(404);
      expect(await listed()).not.toContain(id);
      expect((await world.as('westSeller', 'POST', `/api/sequences/${id}/deactivate`, {})).statusCode).toBe(
        404,
      );

      // Shared with the whole West unit: the same rights for its seller, gone when removed.
      const unit = await world.as(
        'eastSeller',
        'PUT',
        `/api/sequences/${id}/shares/business_unit/${BU.west}`,
      );
      expect(unit.json().items).toEqual([
        expect.objectContaining({ principalType: 'business_unit', principalId: BU.west, name: 'West' }),
      ]);
      expect(await listed()).toContain(id);
      expect(
        (await world.as('westSeller', 'POST', `/api/sequences/${id}/deactivate`, {})).json().status,
      ).toBe('inactive');
      await world.as('eastSeller', 'DELETE', `/api/sequences/${id}/shares/business_unit/${BU.west}`);
      expect((await world.as('westSeller', 'GET', `/api/sequences/${id}`)).statusCode).toBe(404);

      // Every change is in the audit log, once, with who did it.
      expect(await auditOf(world, id)).toEqual([
        expect.objectContaining({ action: 'sequence.share', actor_id: USERS.eastSeller.id }),
        expect.objectContaining({ action: 'sequence.unshare', actor_id: USERS.eastSeller.id }),
        expect.objectContaining({ action: 'sequence.share', actor_id: USERS.eastSeller.id }),
        expect.objectContaining({ action: 'sequence.unshare', actor_id: USERS.eastSeller.id }),
      ]);
    } finally {
      await world.close();
    }
  });

  it('refuses unknown, inactive and other-organisation users and units alike, and offers only its own', async () => {
    const world = await createWorld(dialect);
    try {
      await seedOtherOrg(world);
      const id = (await world.as('eastSeller', 'POST', '/api/sequences', { name: 'Mine' })).json()
        .id as string;
      await world.store.db
        .updateTable('users')
        .set({ active: 0 })
        .where('id', '=', USERS.eastSeller2.id)
        .execute();
      const share = (type: string, principal: string) =>
        world.as('eastSeller', 'PUT', `/api/sequences/${id}/shares/${type}/${principal}`);

      const unknownUser = await share('user', 'u-nobody');
      const otherOrgUser = await share('user', 'u-other');
      const inactiveUser = await share('user', USERS.eastSeller2.id);
      for (const response of [unknownUser, otherOrgUser, inactiveUser]) {
        expect(response.statusCode).toBe(422);
        expect(response.json()).toMatchObject({ code: 'user_not_found', detail: 'No such active user' });
      }
      const unknownUnit = await share('business_unit', 'bu-nowhere');
      const otherOrgUnit = await share('business_unit', 'bu-other');
      for (const response of [unknownUnit, otherOrgUnit]) {
        expect(response.statusCode).toBe(422);
        expect(response.json()).toMatchObject({
          code: 'unknown_business_unit',
          detail: 'No such business unit',
        });
      }
      // A user id given as a unit (and the reverse) names nothing.
      expect((await share('business_unit', WEST)).statusCode).toBe(422);
      expect((await share('user', BU.west)).statusCode).toBe(422);
      expect((await share('team', BU.west)).statusCode).toBe(400);
      expect((await world.as('eastSeller', 'GET', `/api/sequences/${id}/shares`)).json().items).toEqual([]);
      expect(await auditOf(world, id)).toEqual([]);

      const candidates = (
        await world.as('eastSeller', 'GET', `/api/sequences/${id}/share-candidates`)
      ).json();
      const userIds = candidates.users.map((u: { id: string }) => u.id);
      expect(userIds).toContain(WEST);
      expect(userIds).not.toContain('u-other');
      expect(userIds).not.toContain(USERS.eastSeller2.id);
      expect(candidates.users).toContainEqual({ id: WEST, name: 'west.seller', businessUnitName: 'West' });
      expect(candidates.businessUnits.map((b: { name: string }) => b.name)).toEqual([
        'East',
        'East Enterprise',
        'West',
      ]);
    } finally {
      await world.close();
    }
  });
});
