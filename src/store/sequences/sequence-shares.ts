import type { Kysely } from 'kysely';
import { recordAudit } from '../repos/audit-repo.ts';
import type { Database } from '../schema.ts';

/**
 * Shares of a sequence (SPEC.md §4: shared with a user or a team, which gives them full rights on it): list them
 * with names, add one, remove one, and the users and business units it could be shared with. One organisation per
 * call; ids of another organisation look exactly like ids that do not exist.
 */

export type PrincipalType = 'user' | 'business_unit';

export interface ShareItem {
  principalType: PrincipalType;
  principalId: string;
  /** The user's or the business unit's name; null when it no longer exists. */
  name: string | null;
  /** For a user: the name of their business unit. */
  businessUnitName: string | null;
  createdAt: number;
}

/** The sequence's shares, business units first, then users, each by name. */
export async function listShares(
  db: Kysely<Database>,
  orgId: string,
  sequenceId: string,
): Promise<ShareItem[]> {
  const rows = await db
    .selectFrom('sequence_shares as sh')
    .leftJoin('users as u', (join) =>
      join
        .onRef('u.org_id', '=', 'sh.org_id')
        .onRef('u.id', '=', 'sh.principal_id')
        .on('sh.principal_type', '=', 'user'),
    )
    .leftJoin('business_units as ub', (join) =>
      join.onRef('ub.org_id', '=', 'u.org_id').onRef('ub.id', '=', 'u.business_unit_id'),
    )
    .leftJoin('business_units as b', (join) =>
      join
        .onRef('b.org_id', '=', 'sh.org_id')
        .onRef('b.id', '=', 'sh.principal_id')
        .on('sh.principal_type', '=', 'business_unit'),
    )
    .select([
      'sh.principal_type',
      'sh.principal_id',
      'sh.created_at',
      'u.name as user_name',
      'ub.name as user_unit_name',
      'b.name as unit_name',
    ])
    .where('sh.org_id', '=', orgId)
    .where('sh.sequence_id', '=', sequenceId)
    .execute();
  const items = rows.map(
    (row): ShareItem => ({
      principalType: row.principal_type === 'user' ? 'user' : 'business_unit',
      principalId: row.principal_id,
      name: (row.principal_type === 'user' ? row.user_name : row.unit_name) ?? null,
      businessUnitName: row.principal_type === 'user' ? (row.user_unit_name ?? null) : null,
      createdAt: Number(row.created_at),
    }),
  );
  const rank = (item: ShareItem) => (item.principalType === 'business_unit' ? 0 : 1);
  return items.sort(
    (a, b) =>
      rank(a) - rank(b) ||
      (a.name ?? '').localeCompare(b.name ?? '') ||
      a.principalId.localeCompare(b.principalId),
  );
}

/** The user (active only) or business unit of this organisation a share would name; undefined when there is none. */
export async function findSharePrincipal(
  db: Kysely<Database>,
  orgId: string,
  principalType: PrincipalType,
  principalId: string,
): Promise<{ id: string; name: string } | undefined> {
  switch (principalType) {
    case 'user':
      return db
        .selectFrom('users')
        .select(['id', 'name'])
        .where('org_id', '=', orgId)
        .where('id', '=', principalId)
        .where('active', '=', 1)
        .executeTakeFirst();
    case 'business_unit':
      return db
        .selectFrom('business_units')
        .select(['id', 'name'])
        .where('org_id', '=', orgId)
        .where('id', '=', principalId)
        .executeTakeFirst();
  }
}

interface ShareChange {
  orgId: string;
  sequenceId: string;
  principalType: PrincipalType;
  principalId: string;
  actorId: string;
  now: number;
}

/** Shares the sequence; sharing twice changes nothing and is not audited twice. True when a share was added. */
export async function addShare(db: Kysely<Database>, input: ShareChange): Promise<boolean> {
  const result = await db
    .insertInto('sequence_shares')
    .values({
      org_id: input.orgId,
      sequence_id: input.sequenceId,
      principal_id: input.principalId,
      principal_type: input.principalType,
      created_at: input.now,
    })
    .onConflict((oc) => oc.columns(['org_id', 'sequence_id', 'principal_id']).doNothing())
    .executeTakeFirst();
  const added = Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  if (added) {
    await recordAudit(db, {
      orgId: input.orgId,
      actorId: input.actorId,
      action: 'sequence.share',
      resourceType: 'sequence',
      resourceId: input.sequenceId,
      after: { principalType: input.principalType, principalId: input.principalId },
      at: input.now,
    });
  }
  return added;
}

/** Removes a share; removing one that is not there changes nothing. True when a share was removed. */
export async function removeShare(db: Kysely<Database>, input: ShareChange): Promise<boolean> {
  const result = await db
    .deleteFrom('sequence_shares')
    .where('org_id', '=', input.orgId)
    .where('sequence_id', '=', input.sequenceId)
    .where('principal_id', '=', input.principalId)
    .where('principal_type', '=', input.principalType)
    .executeTakeFirst();
  const removed = Number(result.numDeletedRows ?? 0) > 0;
  if (removed) {
    await recordAudit(db, {
      orgId: input.orgId,
      actorId: input.actorId,
      action: 'sequence.unshare',
      resourceType: 'sequence',
      resourceId: input.sequenceId,
      before: { principalType: input.principalType, principalId: input.principalId },
      at: input.now,
    });
  }
  return removed;
}

/** Whom a sequence can be shared with: the organisation's active users and its business units, each by name. */
export async function shareCandidates(db: Kysely<Database>, orgId: string, limit: number) {
  const [users, units] = await Promise.all([
    db
      .selectFrom('users as u')
      .innerJoin('business_units as b', (join) =>
        join.onRef('b.org_id', '=', 'u.org_id').onRef('b.id', '=', 'u.business_unit_id'),
      )
      .select(['u.id', 'u.name', 'b.name as business_unit_name'])
      .where('u.org_id', '=', orgId)
      .where('u.active', '=', 1)
      .orderBy('u.name')
      .orderBy('u.id')
      .limit(limit)
      .execute(),
    db
      .selectFrom('business_units')
      .select(['id', 'name'])
      .where('org_id', '=', orgId)
      .orderBy('name')
      .orderBy('id')
      .limit(limit)
      .execute(),
  ]);
  return {
    users: users.map((u) => ({ id: u.id, name: u.name, businessUnitName: u.business_unit_name })),
    businessUnits: units.map((b) => ({ id: b.id, name: b.name })),
  };
}
