import { z } from 'zod';
import { isWithinUnit } from '../../domain/permissions/permissions.ts';
import { listColleagues } from '../../store/repos/directory-repo.ts';
import type { ApiApp } from '../app.ts';
import { requireActor } from '../auth/authenticate.ts';
import { loadPolicy } from '../auth/guard.ts';
import type { AppDeps } from '../deps.ts';
import { ProblemSchema } from '../problems.ts';

const ColleagueSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    email: z.string(),
    businessUnitId: z.string(),
    businessUnitName: z.string(),
    roles: z.array(z.string()),
  })
  .meta({ id: 'Colleague' });

/**
 * The people a user works with — for "assign to another seller" and owner pickers. Everyone sees the active users
 * of their own business unit and the units below it; admins see the whole organisation.
 */
export async function directoryRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  app.get(
    '/api/users',
    {
      schema: {
        tags: ['users'],
        summary: 'Colleagues you can assign work to (your business unit and the units below it)',
        querystring: z.strictObject({
          q: z.string().trim().max(100).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(200),
        }),
        response: { 200: z.object({ items: z.array(ColleagueSchema) }), 401: ProblemSchema },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const policy = await loadPolicy(deps, request, actor.orgId);
      const units = actor.roles.includes('admin')
        ? policy.businessUnits.map((unit) => unit.id)
        : policy.businessUnits
            .filter((unit) => isWithinUnit(policy, actor.businessUnitId, unit.id))
            .map((u) => u.id);
      const rows = await listColleagues(
        deps.store.db,
        actor.orgId,
        units,
        request.query.q,
        request.query.limit,
      );
      return {
        items: rows.map((row) => ({
          id: row.id,
          name: row.name,
          email: row.email,
          businessUnitId: row.business_unit_id,
          businessUnitName: row.business_unit_name,
          roles: row.roles,
        })),
      };
    },
  );
}
