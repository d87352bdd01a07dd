import { describe, expect, it } from 'vitest';
import { dialects, freshStore } from '../../../test/support/databases.ts';
import { BU, ORG_ID, seedWorld, USERS } from '../../../test/support/world.ts';
import {
  orgName,
  orgSettingsJson,
  pingDatabase,
  sequenceCountsByTag,
  sequenceName,
  sessionCsrfToken,
  userContact,
  userName,
  userPlacement,
  usersWithUnits,
} from './directory-lookups.ts';

const NOW = 1_800_000_000_000;

describe.each(dialects)('directory look-ups on %s', (dialect) => {
  it('answers point look-ups within one organisation only', async () => {
    const store = await freshStore(dialect);
    try {
      await seedWorld(store, NOW);
      const db = store.db;
      await pingDatabase(db);
      expect(await userContact(db, ORG_ID, USERS.westSeller.id)).toEqual({
        name: 'west.seller',
        email: USERS.westSeller.email,
      });
      expect(await userContact(db, 'org-2', USERS.westSeller.id)).toBeUndefined();
      expect(await userName(db, ORG_ID, USERS.eastAdmin.id)).toBe('east.admin');
      expect(await userName(db, ORG_ID, 'nobody')).toBeNull();
      expect(await userPlacement(db, ORG_ID, USERS.eastEntSeller.id)).toEqual({
        id: USERS.eastEntSeller.id,
        business_unit_id: BU.eastEnterprise,
        active: 1,
        time_zone: 'Europe/Warsaw',
      });
      const units = await usersWithUnits(db, ORG_ID);
      expect(units).toHaveLength(Object.keys(USERS).length);
      expect(units).toContainEqual({ id: USERS.westSeller.id, business_unit_id: BU.west });
      expect(await usersWithUnits(db, 'org-2')).toEqual([]);

      expect(await orgName(db, ORG_ID)).toBe('Acme Test');
      expect(await orgName(db, 'org-2')).toBeNull();
      expect(JSON.parse(await orgSettingsJson(db, ORG_ID))).toEqual({ timeZone: 'Europe/Warsaw' });
      expect(await orgSettingsJson(db, 'org-2')).toBe('{}');

      await db
        .insertInto('sequences')
        .values({
          org_id: ORG_ID,
          id: 's1',
          name: 'Inbound leads',
          description: '',
          record_type: 'lead',
          owner_id: USERS.eastSeller.id,
          business_unit_id: BU.east,
          status: 'inactive',
          draft_json: '{}',
          active_version_id: null,
          is_template: 0,
          created_at: NOW,
          updated_at: NOW,
        })
        .execute();
      expect(await sequenceName(db, ORG_ID, 's1')).toBe('Inbound leads');
      expect(await sequenceName(db, 'org-2', 's1')).toBeNull();

      await db
        .insertInto('sequence_tags')
        .values([
          { org_id: ORG_ID, sequence_id: 's1', tag_id: 't1' },
          { org_id: ORG_ID, sequence_id: 's2', tag_id: 't1' },
          { org_id: ORG_ID, sequence_id: 's1', tag_id: 't2' },
          { org_id: 'org-2', sequence_id: 's9', tag_id: 't1' },
        ])
        .execute();
      expect([...(await sequenceCountsByTag(db, ORG_ID))].sort()).toEqual([
        ['t1', 2],
        ['t2', 1],
      ]);

      await db
        .insertInto('sessions')
        .values({
          id: 'sess-1',
          org_id: ORG_ID,
          user_id: USERS.eastSeller.id,
          csrf_token: 'csrf-1',
          created_at: NOW,
          expires_at: NOW + 1000,
        })
        .execute();
      expect(await sessionCsrfToken(db, 'sess-1')).toBe('csrf-1');
      expect(await sessionCsrfToken(db, 'sess-2')).toBeNull();
    } finally {
      await store.close();
    }
  });
});
