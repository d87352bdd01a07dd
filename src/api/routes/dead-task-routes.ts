import { z } from 'zod';
import { recordAudit } from '../../store/repos/audit-repo.ts';
import { listDeadTasks, requeueDeadTask } from '../../store/repos/engine/dead-tasks.ts';
import type { ApiApp } from '../app.ts';
import { requireOrgPermission } from '../auth/guard.ts';
import type { AppDeps } from '../deps.ts';
import { decodeCursor, PageQuerySchema, pageSchema, toPage } from '../pagination.ts';
import { notFoundProblem, ProblemSchema } from '../problems.ts';

export const DeadTaskSchema = z
  .object({
    id: z.string(),
    connectionId: z.string(),
    kind: z.string(),
    /** The engine event the task carried (`connected`, `timer`, …), when readable. */
    eventType: z.string().nullable(),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    diedAt: z.number().int(),
    record: z.object({ id: z.string(), name: z.string() }).nullable(),
    sequence: z.object({ id: z.string(), name: z.string() }).nullable(),
  })
  .meta({ id: 'DeadTask' });

const IdParams = z.strictObject({ id: z.string().min(1).max(100) });

function eventTypeOf(payloadJson: string): string | null {
  try {
    const parsed: unknown = JSON.parse(payloadJson);
    const type = (parsed as { type?: unknown } | null)?.type;
    return typeof type === 'string' ? type : null;
  } catch {
    return null;
  }
}

/**
 * Engine tasks given up on (`dead`: failed or crashed their worker 5 times), for admins: the list, and a requeue
 * that puts one back in line with fresh attempts.
 */
export async function deadTaskRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  app.get(
    '/api/admin/dead-tasks',
    {
      schema: {
        tags: ['admin'],
        summary: 'Engine tasks given up on after 5 attempts (failures or crashed workers), newest first',
        querystring: PageQuerySchema,
        response: {
          200: pageSchema(DeadTaskSchema),
          400: ProblemSchema,
          401: ProblemSchema,
          403: ProblemSchema,
        },
      },
    },
    async (request) => {
      const actor = await requireOrgPermission(deps, request, 'manage_org');
      const { limit, cursor } = request.query;
      const before = decodeCursor(cursor, z.object({ at: z.number().int(), id: z.string() }));
      const rows = await listDeadTasks(deps.store.db, actor.orgId, {
        limit: limit + 1,
        ...(before ? { before } : {}),
      });
      return toPage(
        rows,
        limit,
        (row) => ({
          id: row.id,
          connectionId: row.connection_id,
          kind: row.kind,
          eventType: eventTypeOf(row.payload_json),
          attempts: row.attempts,
          lastError: row.last_error,
          diedAt: row.updated_at,
          record:
            row.record_id && row.record_name !== null ? { id: row.record_id, name: row.record_name } : null,
          sequence:
            row.sequence_id && row.sequence_name !== null
              ? { id: row.sequence_id, name: row.sequence_name }
              : null,
        }),
        (row) => ({ at: row.updated_at, id: row.id }),
      );
    },
  );

  app.post(
    '/api/admin/dead-tasks/:id/requeue',
    {
      schema: {
        tags: ['admin'],
        summary: 'Put a dead engine task back in line, due now, with fresh attempts',
        params: IdParams,
        response: { 204: z.null(), 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request, reply) => {
      const actor = await requireOrgPermission(deps, request, 'manage_org');
      const now = deps.clock.now();
      const requeued = await deps.store.db.transaction().execute(async (trx) => {
        if (!(await requeueDeadTask(trx, actor.orgId, request.params.id, now))) return false;
        await recordAudit(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          action: 'engine_task.requeued',
          resourceType: 'engine_task',
          resourceId: request.params.id,
          at: now,
        });
        return true;
      });
      if (!requeued) throw notFoundProblem('Dead task');
      return reply.status(204).send(null);
    },
  );
}
