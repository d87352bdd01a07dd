import { z } from 'zod';
import { listAudit } from '../../store/repos/admin-repo.ts';
import type { ApiApp } from '../app.ts';
import { requireOrgPermission } from '../auth/guard.ts';
import type { AppDeps } from '../deps.ts';
import { decodeCursor, PageQuerySchema, pageSchema, toPage } from '../pagination.ts';
import { ProblemSchema } from '../problems.ts';

export const AuditEntrySchema = z
  .object({
    id: z.string(),
    actorId: z.string().nullable(),
    action: z.string(),
    resourceType: z.string(),
    resourceId: z.string().nullable(),
    before: z.unknown(),
    after: z.unknown(),
    at: z.number().int(),
  })
  .meta({ id: 'AuditEntry' });

const parse = (json: string | null): unknown => (json === null ? null : JSON.parse(json));

/** The audit log of every change (who, what, when, before/after), newest first; admins only. */
export async function auditRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  app.get(
    '/api/admin/audit',
    {
      schema: {
        tags: ['admin'],
        summary: 'Audit log, newest first; filter by resource type, resource or actor',
        querystring: PageQuerySchema.extend({
          resourceType: z.string().min(1).max(100).optional(),
          resourceId: z.string().min(1).max(200).optional(),
          actorId: z.string().min(1).max(200).optional(),
        }),
        response: {
          200: pageSchema(AuditEntrySchema),
          400: ProblemSchema,
          401: ProblemSchema,
          403: ProblemSchema,
        },
      },
    },
    async (request) => {
      const actor = await requireOrgPermission(deps, request, 'view_audit');
      const { limit, cursor, resourceType, resourceId, actorId } = request.query;
      const before = decodeCursor(cursor, z.object({ at: z.number().int(), id: z.string() }));
      const rows = await listAudit(deps.store.db, actor.orgId, {
        limit: limit + 1,
        ...(before ? { before } : {}),
        ...(resourceType ? { resourceType } : {}),
        ...(resourceId ? { resourceId } : {}),
        ...(actorId ? { actorId } : {}),
      });
      return toPage(
        rows,
        limit,
        (row) => ({
          id: row.id,
          actorId: row.actor_id,
          action: row.action,
          resourceType: row.resource_type,
          resourceId: row.resource_id,
          before: parse(row.before_json),
          after: parse(row.after_json),
          at: row.at,
        }),
        (row) => ({ at: row.at, id: row.id }),
      );
    },
  );
}
