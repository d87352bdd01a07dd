import type { Kysely } from 'kysely';
import type { Role } from '../../domain/identity.ts';
import type { BusinessUnitNode } from '../../domain/permissions/permissions.ts';
import type { AccessibleSequence, Principal } from '../../domain/sequence/visibility.ts';
import type { Database } from '../schema.ts';

/**
 * What the visibility rules (src/domain/sequence/visibility.ts) need from the database, for callers that have no
 * request: who owns a sequence, where it lives and whom it is shared with; who a user is (unit and roles); the
 * business-unit tree. One organisation per call.
 */

const ID_CHUNK = 500;

/** Sequences of one organisation with their shares; all of them when `ids` is omitted. */
export async function loadAccessibleSequences(
  db: Kysely<Database>,
  orgId: string,
  ids?: readonly string[],
): Promise<AccessibleSequence[]> {
  const unique = ids ? [...new Set(ids)] : undefined;
  if (unique && unique.length === 0) return [];
  const parts = unique ? chunk(unique) : [undefined];
  const out: AccessibleSequence[] = [];
  for (const part of parts) {
    let rows = db
      .selectFrom('sequences')
      .select(['id', 'owner_id', 'business_unit_id', 'status', 'record_type', 'active_version_id'])
      .where('org_id', '=', orgId);
    let shares = db
      .selectFrom('sequence_shares')
      .select(['sequence_id', 'principal_id', 'principal_type'])
      .where('org_id', '=', orgId);
    if (part) {
      rows = rows.where('id', 'in', part);
      shares = shares.where('sequence_id', 'in', part);
    }
    const [sequences, shareRows] = await Promise.all([rows.execute(), shares.execute()]);
    for (const s of sequences) {
      const mine = shareRows.filter((r) => r.sequence_id === s.id);
      out.push({
        id: s.id,
        ownerId: s.owner_id,
        businessUnitId: s.business_unit_id,
        status: s.status,
        recordType: s.record_type,
        activeVersionId: s.active_version_id,
        sharedWithUserIds: mine.filter((r) => r.principal_type === 'user').map((r) => r.principal_id),
        sharedWithBusinessUnitIds: mine
          .filter((r) => r.principal_type === 'business_unit')
          .map((r) => r.principal_id),
      });
    }
  }
  return out;
}

/** Users as the permission rules see them (business unit and roles); unknown ids are left out. */
export async function loadPrincipals(
  db: Kysely<Database>,
  orgId: string,
  userIds: readonly string[],
): Promise<Principal[]> {
  const unique = [...new Set(userIds)];
  const out: Principal[] = [];
  for (const part of chunk(unique)) {
    const [users, roles] = await Promise.all([
      db
        .selectFrom('users')
        .select(['id', 'business_unit_id'])
        .where('org_id', '=', orgId)
        .where('id', 'in', part)
        .execute(),
      db
        .selectFrom('role_assignments')
        .select(['user_id', 'role'])
        .where('org_id', '=', orgId)
        .where('user_id', 'in', part)
        .execute(),
    ]);
    for (const user of users) {
      out.push({
        userId: user.id,
        businessUnitId: user.business_unit_id,
        roles: roles.filter((r) => r.user_id === user.id).map((r): Role => r.role),
      });
    }
  }
  return out;
}

export async function loadUnitTree(db: Kysely<Database>, orgId: string): Promise<BusinessUnitNode[]> {
  const units = await db
    .selectFrom('business_units')
    .select(['id', 'parent_id'])
    .where('org_id', '=', orgId)
    .execute();
  return units.map((unit) => ({ id: unit.id, parentId: unit.parent_id }));
}

function chunk<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += ID_CHUNK) out.push(items.slice(i, i + ID_CHUNK));
  return out;
}
