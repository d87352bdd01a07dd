import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

/** Active users of the given business units, with their unit's name and roles, ordered by name. */
export async function listColleagues(
  db: Kysely<Database>,
  orgId: string,
  businessUnitIds: string[],
  search: string | undefined,
  limit: number,
) {
  if (businessUnitIds.length === 0) return [];
  let query = db
    .selectFrom('users as u')
    .innerJoin('business_units as b', (join) =>
      join.onRef('b.org_id', '=', 'u.org_id').onRef('b.id', '=', 'u.business_unit_id'),
    )
    .select(['u.id', 'u.name', 'u.email', 'u.business_unit_id', 'b.name as business_unit_name'])
    .where('u.org_id', '=', orgId)
    .where('u.active', '=', 1)
    .where('u.business_unit_id', 'in', businessUnitIds);
  if (search) {
    const pattern = `%${search.toLowerCase()}%`;
    query = query.where((eb) =>
      eb.or([eb(eb.fn('lower', ['u.name']), 'like', pattern), eb('u.email', 'like', pattern)]),
    );
  }
  const users = await query.orderBy('u.name').orderBy('u.id').limit(limit).execute();
  const roles = users.length
    ? await db
        .selectFrom('role_assignments')
        .select(['user_id', 'role'])
        .where('org_id', '=', orgId)
        .where(
          'user_id',
          'in',
          users.map((user) => user.id),
        )
        .execute()
    : [];
  return users.map((user) => ({
    ...user,
    roles: roles.filter((row) => row.user_id === user.id).map((row) => row.role),
  }));
}
