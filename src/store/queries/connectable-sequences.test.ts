import { describe, expect, it } from 'vitest';
import { dialects, freshStore } from '../../../test/support/databases.ts';
import { BU, ORG_ID, seedWorld, USERS } from '../../../test/support/world.ts';
import type { SequenceVisibility } from '../../domain/sequence/visibility.ts';
import type { Database } from '../schema.ts';
import { listConnectableSequences } from './connectable-sequences.ts';

const NOW = 1_800_000_000_000;

function sequence(id: string, overrides: Partial<Database['sequences']> = {}): Database['sequences'] {
  return {
    org_id: ORG_ID,
    id,
    name: id,
    description: `about ${id}`,
    record_type: 'lead',
    owner_id: USERS.westSeller.id,
    business_unit_id: BU.west,
    status: 'active',
    draft_json: '{}',
    active_version_id: `v-${id}`,
    is_template: 0,
    created_at: NOW,
    updated_at: NOW,
    ...overrides,
  };
}

const seller: SequenceVisibility = {
  all: false,
  userId: USERS.eastEntSeller.id,
  businessUnitIds: [BU.eastEnterprise],
  shareUnitIds: [BU.eastEnterprise, BU.east],
};

describe.each(dialects)('connectable sequences on %s', (dialect) => {
  it('finds every allowed live sequence of the record type, however many others sort before them', async () => {
    const store = await freshStore(dialect);
    try {
      await seedWorld(store, NOW);
      // 600 live lead sequences of another unit, all sorting before the allowed ones.
      const others = Array.from({ length: 600 }, (_, i) => sequence(`a-west-${String(i).padStart(3, '0')}`));
      for (let i = 0; i < others.length; i += 200) {
        await store.db
          .insertInto('sequences')
          .values(others.slice(i, i + 200))
          .execute();
      }
      await store.db
        .insertInto('sequences')
        .values([
          sequence('z-own', { owner_id: USERS.eastEntSeller.id }),
          sequence('z-unit', { business_unit_id: BU.eastEnterprise, owner_id: USERS.eastAdmin.id }),
          sequence('z-shared-user'),
          sequence('z-shared-parent-unit'),
          sequence('z-shared-elsewhere'),
          sequence('z-revision', { business_unit_id: BU.eastEnterprise, status: 'revision' }),
          sequence('z-inactive', { business_unit_id: BU.eastEnterprise, status: 'inactive' }),
          sequence('z-never-active', { business_unit_id: BU.eastEnterprise, active_version_id: null }),
          sequence('z-account', { business_unit_id: BU.eastEnterprise, record_type: 'account' }),
          sequence('z-parent-unit', { business_unit_id: BU.east }),
          { ...sequence('z-other-org', { business_unit_id: BU.eastEnterprise }), org_id: 'org-2' },
        ])
        .execute();
      await store.db
        .insertInto('sequence_shares')
        .values([
          {
            org_id: ORG_ID,
            sequence_id: 'z-shared-user',
            principal_type: 'user',
            principal_id: seller.userId,
            created_at: NOW,
          },
          {
            org_id: ORG_ID,
            sequence_id: 'z-shared-parent-unit',
            principal_type: 'business_unit',
            principal_id: BU.east,
            created_at: NOW,
          },
          {
            org_id: ORG_ID,
            sequence_id: 'z-shared-elsewhere',
            principal_type: 'business_unit',
            principal_id: BU.west,
            created_at: NOW,
          },
        ])
        .execute();

      const found = await listConnectableSequences(store.db, ORG_ID, 'lead', seller);
      expect(found.map((s) => s.id)).toEqual([
        'z-own',
        'z-revision',
        'z-shared-parent-unit',
        'z-shared-user',
        'z-unit',
      ]);
      expect(found[0]).toEqual({ id: 'z-own', name: 'z-own', description: 'about z-own' });

      const admin = await listConnectableSequences(store.db, ORG_ID, 'lead', { ...seller, all: true });
      expect(admin).toHaveLength(600 + 7);
      expect(await listConnectableSequences(store.db, ORG_ID, 'account', seller)).toEqual([
        { id: 'z-account', name: 'z-account', description: 'about z-account' },
      ]);
    } finally {
      await store.close();
    }
  });
});
