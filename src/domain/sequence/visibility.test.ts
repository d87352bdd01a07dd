import { describe, expect, it } from 'vitest';
import type { Actor } from '../identity.ts';
import { decideSequence, type OrgPolicy } from '../permissions/permissions.ts';
import { sequenceConnectScope, sequenceVisibility } from './visibility.ts';

const policy: OrgPolicy = {
  businessUnits: [
    { id: 'east', parentId: null },
    { id: 'east-ent', parentId: 'east' },
  ],
  featureRoles: null,
};
const seller: Actor = {
  orgId: 'o',
  userId: 'u1',
  businessUnitId: 'east-ent',
  roles: ['seller'],
  name: 'Seller',
  email: 'seller@example.com',
  locale: 'en',
};

describe('sequenceConnectScope', () => {
  it('is the visibility scope while the feature is open, and nothing when it is closed to the role', () => {
    expect(sequenceConnectScope(seller, policy)).toEqual(sequenceVisibility(seller, policy));
    const closed: OrgPolicy = { ...policy, featureRoles: ['sales_manager'] };
    expect(sequenceConnectScope(seller, closed)).toBeNull();
    // The same answer decideSequence gives for a sequence of the seller's own unit.
    const own = {
      ownerId: 'u2',
      businessUnitId: 'east-ent',
      sharedWithUserIds: [],
      sharedWithBusinessUnitIds: [],
    };
    expect(decideSequence(seller, closed, 'connect', own).allowed).toBe(false);
    expect(decideSequence(seller, policy, 'connect', own).allowed).toBe(true);
  });
});
