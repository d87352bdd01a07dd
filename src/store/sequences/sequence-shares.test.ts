import { describe, expect, it } from 'vitest';
import { dialects, freshStore } from '../../../test/support/databases.ts';
import { BU, ORG_ID, seedWorld, USERS } from '../../../test/support/world.ts';
import { sharesOf } from './sequence-rows.ts';
import { addShare, findSharePrincipal, listShares, removeShare } from './sequence-shares.ts';

const NOW = 1_800_000_000_000;
const SEQ = 'seq-1';

describe.each(dialects)('sequence shares on %s', (dialect) => {
  it('adds once, lists with names (a vanished unit as unnamed), removes once, and audits each change', async () => {
    const store = await freshStore(dialect);
    try {
      await seedWorld(store, NOW);
      await store.db
        .insertInto('business_units')
        .values({ org_id: ORG_ID, id: 'bu-gone', name: 'Gone', parent_id: null, created_at: NOW })
        .execute();
      const change = (principalType: 'user' | 'business_unit', principalId: string) => ({
        orgId: ORG_ID,
        sequenceId: SEQ,
        principalType,
        principalId,
        actorId: USERS.eastSeller.id,
        now: NOW,
      });
      expect(await addShare(store.db, change('user', USERS.westSeller.id))).toBe(true);
      expect(await addShare(store.db, change('user', USERS.westSeller.id))).toBe(false);
      expect(await addShare(store.db, change('business_unit', BU.eastEnterprise))).toBe(true);
      expect(await addShare(store.db, change('business_unit', 'bu-gone'))).toBe(true);
      await store.db.deleteFrom('business_units').where('id', '=', 'bu-gone').execute();

      expect(await listShares(store.db, ORG_ID, SEQ)).toEqual([
        {
          principalType: 'business_unit',
          principalId: 'bu-gone',
          name: null,
          businessUnitName: null,
          createdAt: NOW,
        },
        {
          principalType: 'business_unit',
          principalId: BU.eastEnterprise,
          name: 'East Enterprise',
          businessUnitName: null,
          createdAt: NOW,
        },
        {
          principalType: 'user',
          principalId: USERS.westSeller.id,
          name: 'west.seller',
          businessUnitName: 'West',
          createdAt: NOW,
        },
      ]);
      // The permission rules read the same rows.
      expect(await sharesOf(store.db, ORG_ID, SEQ)).toEqual({
        sharedWithUserIds: [USERS.westSeller.id],
        sharedWithBusinessUnitIds: expect.arrayContaining([BU.eastEnterprise, 'bu-gone']),
      });
      // Another organisation's view of the same sequence id is empty.
      expect(await listShares(store.db, 'org-other', SEQ)).toEqual([]);

      expect(await removeShare(store.db, change('user', USERS.westSeller.id))).toBe(true);
      expect(await removeShare(store.db, change('user', USERS.westSeller.id))).toBe(false);
      // The type must match: a user share is not removed by naming the id as a unit.
      expect(await removeShare(store.db, change('user', BU.eastEnterprise))).toBe(false);
      expect((await listShares(store.db, ORG_ID, SEQ)).map((s) => s.principalId)).toEqual([
        'bu-gone',
        BU.eastEnterprise,
      ]);

      const audit = await store.db
        .selectFrom('audit_log')
        .select(['action', 'resource_id'])
        .where('org_id', '=', ORG_ID)
        .where('action', 'like', 'sequence.%share')
        .orderBy('id')
        .execute();
      expect(audit.map((a) => a.action)).toEqual([
        'sequence.share',
        'sequence.share',
        'sequence.share',
        'sequence.unshare',
      ]);
      expect(new Set(audit.map((a) => a.resource_id))).toEqual(new Set([SEQ]));
    } finally {
      await store.close();
    }
  });

  it('finds only active users and units of the organisation', async () => {
    const store = await freshStore(dialect);
    try {
      await seedWorld(store, NOW);
      expect(await findSharePrincipal(store.db, ORG_ID, 'user', USERS.westSeller.id)).toEqual({
        id: USERS.westSeller.id,
        name: 'west.seller',
      });
      expect(await findSharePrincipal(store.db, 'org-other', 'user', USERS.westSeller.id)).toBeUndefined();
      expect(
        await findSharePrincipal(store.db, ORG_ID, 'business_unit', USERS.westSeller.id),
      ).toBeUndefined();
      expect(await findSharePrincipal(store.db, ORG_ID, 'business_unit', BU.west)).toEqual({
        id: BU.west,
        name: 'West',
      });
      await store.db.updateTable('users').set({ active: 0 }).where('id', '=', USERS.westSeller.id).execute();
      expect(await findSharePrincipal(store.db, ORG_ID, 'user', USERS.westSeller.id)).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});
