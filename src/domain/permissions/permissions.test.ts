import { describe, expect, it } from 'vitest';
import type { Actor, Role } from '../identity.ts';
import {
  type Decision,
  decideOrg,
  decideRecord,
  decideSequence,
  isWithinUnit,
  type OrgPolicy,
  type RecordAction,
  type SequenceAction,
  type SequenceRef,
} from './permissions.ts';

// The org of the examples: East (child East Enterprise) and West.
const policy: OrgPolicy = {
  businessUnits: [
    { id: 'east', parentId: null },
    { id: 'east-ent', parentId: 'east' },
    { id: 'west', parentId: null },
  ],
  featureRoles: null,
};

function actor(userId: string, businessUnitId: string, ...roles: Role[]): Actor {
  return { orgId: 'o', userId, businessUnitId, roles, name: userId, email: `${userId}@x.test`, locale: 'en' };
}

const people = {
  eastSeller: actor('east-seller', 'east', 'seller'),
  eastSeller2: actor('east-seller2', 'east', 'seller'),
  eastEntSeller: actor('east-ent-seller', 'east-ent', 'seller'),
  eastSeqManager: actor('east-seqman', 'east', 'sequence_manager'),
  eastSalesManager: actor('east-salesman', 'east', 'sales_manager'),
  admin: actor('admin', 'east', 'admin'),
  westSeller: actor('west-seller', 'west', 'seller'),
  westSeqManager: actor('west-seqman', 'west', 'sequence_manager'),
} as const;
type Person = keyof typeof people;

const sequenceOf = (owner: Person, shared: Partial<SequenceRef> = {}): SequenceRef => ({
  ownerId: people[owner].userId,
  businessUnitId: people[owner].businessUnitId,
  sharedWithUserIds: [],
  sharedWithBusinessUnitIds: [],
  ...shared,
});
const recordOf = (owner: Person) => ({
  ownerId: people[owner].userId,
  businessUnitId: people[owner].businessUnitId,
});

/** 'ok' = allowed, 403 = visible but refused, 404 = not visible. */
type Outcome = 'ok' | 403 | 404;
const outcome = (decision: Decision): Outcome => (decision.allowed ? 'ok' : decision.visible ? 403 : 404);

const USE_ACTIONS: SequenceAction[] = ['view', 'connect', 'copy', 'apply_tags'];
const MANAGE_ACTIONS: SequenceAction[] = ['edit', 'activate', 'deactivate', 'delete', 'share'];

/**
 * SPEC.md §4 written out: [caller, sequence owner, outcome of view/connect/copy/apply tags, outcome of
 * edit/activate/deactivate/delete/share].
 */
const SEQUENCE_MATRIX: [Person, Person, Outcome, Outcome][] = [
  // A sequence of East seller 2: visible in East; only owner, sequence managers and admins manage it.
  ['eastSeller', 'eastSeller2', 'ok', 403],
  ['eastSeller2', 'eastSeller2', 'ok', 'ok'],
  ['eastEntSeller', 'eastSeller2', 404, 404],
  ['eastSeqManager', 'eastSeller2', 'ok', 'ok'],
  ['eastSalesManager', 'eastSeller2', 'ok', 403],
  ['admin', 'eastSeller2', 'ok', 'ok'],
  ['westSeller', 'eastSeller2', 404, 404],
  ['westSeqManager', 'eastSeller2', 404, 404],
  // A sequence of West: nobody in East sees it except the admin.
  ['eastSeller', 'westSeller', 404, 404],
  ['eastSeqManager', 'westSeller', 404, 404],
  ['eastSalesManager', 'westSeller', 404, 404],
  ['admin', 'westSeller', 'ok', 'ok'],
  ['westSeqManager', 'westSeller', 'ok', 'ok'],
  // A sequence of the child unit East Enterprise: its own unit and managers of East see it; East sellers do not.
  ['eastSeller', 'eastEntSeller', 404, 404],
  ['eastEntSeller', 'eastEntSeller', 'ok', 'ok'],
  ['eastSeqManager', 'eastEntSeller', 'ok', 'ok'],
  ['eastSalesManager', 'eastEntSeller', 'ok', 403],
  ['westSeqManager', 'eastEntSeller', 404, 404],
];

/** [caller, record owner, outcome of view/edit/act, outcome of connect]. */
const RECORD_MATRIX: [Person, Person, Outcome, Outcome][] = [
  ['eastSeller', 'eastSeller', 'ok', 'ok'],
  // Records are private to their owner among sellers, even within a unit.
  ['eastSeller', 'eastSeller2', 404, 404],
  ['eastEntSeller', 'eastSeller2', 404, 404],
  // Managers of the owner's unit (and of units above it) see and work them; admins everything.
  ['eastSeqManager', 'eastSeller2', 'ok', 'ok'],
  ['eastSalesManager', 'eastSeller2', 'ok', 'ok'],
  ['eastSalesManager', 'eastEntSeller', 'ok', 'ok'],
  ['admin', 'westSeller', 'ok', 'ok'],
  ['eastSeqManager', 'westSeller', 404, 404],
  ['westSeller', 'eastSeller', 404, 404],
  ['westSeqManager', 'westSeller', 'ok', 'ok'],
  ['westSeqManager', 'eastEntSeller', 404, 404],
];

describe('decideSequence (SPEC.md §4)', () => {
  it.each(SEQUENCE_MATRIX)('%s on a sequence of %s: use %s, manage %s', (caller, owner, use, manage) => {
    for (const action of USE_ACTIONS) {
      expect([action, outcome(decideSequence(people[caller], policy, action, sequenceOf(owner)))]).toEqual([
        action,
        use,
      ]);
    }
    for (const action of MANAGE_ACTIONS) {
      expect([action, outcome(decideSequence(people[caller], policy, action, sequenceOf(owner)))]).toEqual([
        action,
        manage,
      ]);
    }
  });

  it('names the missing permission in a refusal', () => {
    const decision = decideSequence(people.eastSeller, policy, 'delete', sequenceOf('eastSeller2'));
    expect(decision).toMatchObject({ allowed: false, visible: true, permission: 'sequence.delete' });
  });

  it('gives full rights to a user or team the sequence is shared with', () => {
    const toUser = sequenceOf('westSeller', { sharedWithUserIds: [people.eastSeller.userId] });
    expect(outcome(decideSequence(people.eastSeller, policy, 'delete', toUser))).toBe('ok');
    expect(outcome(decideSequence(people.eastSeller2, policy, 'view', toUser))).toBe(404);

    const toTeam = sequenceOf('westSeller', { sharedWithBusinessUnitIds: ['east'] });
    expect(outcome(decideSequence(people.eastSeller2, policy, 'edit', toTeam))).toBe('ok');
    // A team includes its child units.
    expect(outcome(decideSequence(people.eastEntSeller, policy, 'edit', toTeam))).toBe('ok');
    expect(outcome(decideSequence(people.westSeqManager, policy, 'edit', toTeam))).toBe('ok');
  });

  it('restricts connect and copy to the chosen roles; viewing and managing stay as they were', () => {
    const restricted: OrgPolicy = { ...policy, featureRoles: ['sequence_manager'] };
    const colleague = sequenceOf('eastSeller2');
    expect(decideSequence(people.eastSeller, restricted, 'connect', colleague)).toMatchObject({
      allowed: false,
      visible: true,
      permission: 'sequence.connect',
    });
    expect(outcome(decideSequence(people.eastSeller, restricted, 'copy', colleague))).toBe(403);
    expect(outcome(decideSequence(people.eastSeller, restricted, 'view', colleague))).toBe('ok');
    expect(outcome(decideSequence(people.eastSeqManager, restricted, 'connect', colleague))).toBe('ok');
    expect(outcome(decideSequence(people.admin, restricted, 'connect', colleague))).toBe('ok');
  });
});

describe('decideRecord (SPEC.md §4)', () => {
  it.each(RECORD_MATRIX)('%s on a record of %s: view %s, connect %s', (caller, owner, view, connect) => {
    for (const action of ['view', 'edit', 'act'] as RecordAction[]) {
      expect([action, outcome(decideRecord(people[caller], policy, action, recordOf(owner)))]).toEqual([
        action,
        view,
      ]);
    }
    expect(outcome(decideRecord(people[caller], policy, 'connect', recordOf(owner)))).toBe(connect);
  });

  it('refuses connecting when the feature is restricted to other roles', () => {
    const restricted: OrgPolicy = { ...policy, featureRoles: ['sales_manager'] };
    expect(decideRecord(people.eastSeller, restricted, 'connect', recordOf('eastSeller'))).toMatchObject({
      allowed: false,
      visible: true,
      permission: 'record.connect',
    });
    expect(outcome(decideRecord(people.eastSeller, restricted, 'view', recordOf('eastSeller')))).toBe('ok');
    expect(
      outcome(decideRecord(people.eastSalesManager, restricted, 'connect', recordOf('eastSeller'))),
    ).toBe('ok');
  });
});

describe('decideOrg', () => {
  const cases: [Person, Record<Parameters<typeof decideOrg>[2], Outcome>][] = [
    [
      'eastSeller',
      {
        create_sequence: 'ok',
        manage_tags: 403,
        view_reports: 403,
        manage_org: 403,
        view_audit: 403,
        manage_segments: 403,
      },
    ],
    [
      'eastSeqManager',
      {
        create_sequence: 'ok',
        manage_tags: 'ok',
        view_reports: 'ok',
        manage_org: 403,
        view_audit: 403,
        manage_segments: 'ok',
      },
    ],
    [
      'eastSalesManager',
      {
        create_sequence: 'ok',
        manage_tags: 403,
        view_reports: 'ok',
        manage_org: 403,
        view_audit: 403,
        manage_segments: 403,
      },
    ],
    [
      'admin',
      {
        create_sequence: 'ok',
        manage_tags: 'ok',
        view_reports: 'ok',
        manage_org: 'ok',
        view_audit: 'ok',
        manage_segments: 'ok',
      },
    ],
  ];
  it.each(cases)('%s', (person, expected) => {
    const actual = Object.fromEntries(
      Object.keys(expected).map((action) => [
        action,
        outcome(decideOrg(people[person], policy, action as keyof typeof expected)),
      ]),
    );
    expect(actual).toEqual(expected);
  });

  it('lets only the chosen roles (and admins) create sequences when the feature is restricted', () => {
    const restricted: OrgPolicy = { ...policy, featureRoles: ['sequence_manager'] };
    expect(decideOrg(people.eastSeller, restricted, 'create_sequence')).toMatchObject({
      allowed: false,
      permission: 'sequence.create',
    });
    expect(outcome(decideOrg(people.eastSeqManager, restricted, 'create_sequence'))).toBe('ok');
    expect(outcome(decideOrg(people.admin, restricted, 'create_sequence'))).toBe('ok');
  });
});

describe('isWithinUnit', () => {
  it('walks up the tree and stops on cycles', () => {
    expect(isWithinUnit(policy, 'east', 'east-ent')).toBe(true);
    expect(isWithinUnit(policy, 'east-ent', 'east')).toBe(false);
    expect(isWithinUnit(policy, 'west', 'east-ent')).toBe(false);
    const cyclic: OrgPolicy = {
      businessUnits: [
        { id: 'a', parentId: 'b' },
        { id: 'b', parentId: 'a' },
      ],
      featureRoles: null,
    };
    expect(isWithinUnit(cyclic, 'c', 'a')).toBe(false);
  });
});
