import { z } from 'zod';
import { listTimeline } from '../../store/repos/timeline-repo.ts';
import type { ApiApp } from '../app.ts';
import { requireActor } from '../auth/authenticate.ts';
import type { AppDeps } from '../deps.ts';
import { decodeCursor, PageQuerySchema, pageSchema, toPage } from '../pagination.ts';
import { ProblemSchema } from '../problems.ts';
import { loadRecordFor } from './connection-route-support.ts';

export const TimelineEventSchema = z
  .object({
    id: z.string(),
    kind: z.string(),
    summary: z.string(),
    connectionId: z.string().nullable(),
    actor: z.object({ id: z.string(), name: z.string().nullable() }).nullable(),
    data: z.record(z.string(), z.unknown()),
    at: z.number(),
  })
  .meta({ id: 'TimelineEvent' });

export async function timelineRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  app.get(
    '/api/records/:id/timeline',
    {
      schema: {
        tags: ['records'],
        summary:
          'Everything that happened to the record in its sequences, newest first: done, skipped, sent, opened…',
        params: z.object({ id: z.string().min(1).max(100) }),
        querystring: PageQuerySchema.extend({
          kind: z
            .string()
            .max(500)
            .transform((value) => value.split(',').filter(Boolean))
            .pipe(z.array(z.string().min(1).max(64)).max(30))
            .optional(),
        }),
        response: { 200: pageSchema(TimelineEventSchema), 400: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const record = await loadRecordFor(deps, request, actor, request.params.id, 'view');
      const after = decodeCursor(request.query.cursor, z.object({ at: z.number(), id: z.string() }));
      const rows = await listTimeline(deps.store.db, actor.orgId, record.id, {
        limit: request.query.limit,
        after,
        kinds: request.query.kind,
      });
      return toPage(
        rows,
        request.query.limit,
        (row) => ({
          id: row.id,
          kind: row.kind,
          summary: row.summary,
          connectionId: row.connection_id,
          actor: row.actor_id ? { id: row.actor_id, name: row.actor_name ?? null } : null,
          data: parseData(row.data_json),
          at: row.occurred_at,
        }),
        (row) => ({ at: row.occurred_at, id: row.id }),
      );
    },
  );
}

function parseData(json: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(json);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}
