import { z } from 'zod';
import { recordFieldValues } from '../../domain/fields/evaluate.ts';
import { EMPTY_TALLY, tallyMatches } from '../../domain/segments/preview.ts';
import { mayManageSegments } from '../../domain/segments/segment.ts';
import { FieldRuleSchema, RecordTypeSchema } from '../../domain/sequence/definition.ts';
import { openRecordsBatch } from '../../store/queries/segment-candidates.ts';
import { listRecordFields } from '../../store/repos/record-fields-repo.ts';
import type { ApiApp } from '../app.ts';
import { requireActor } from '../auth/authenticate.ts';
import { loadPolicy } from '../auth/guard.ts';
import type { AppDeps } from '../deps.ts';
import { forbidden, ProblemSchema } from '../problems.ts';
import { recordVisibility } from './record-route-support.ts';

export const SegmentPreviewInputSchema = z.strictObject({
  recordType: RecordTypeSchema,
  rule: FieldRuleSchema,
  /** How many matching names to return (the first ones by name). */
  limit: z.number().int().min(1).max(100).default(20),
});

export const SegmentPreviewSchema = z
  .object({
    /** Open records of the type, among those the caller can see, that the rule matches now. */
    count: z.number(),
    items: z.array(z.object({ id: z.string(), name: z.string() })),
  })
  .meta({ id: 'SegmentPreview' });

/** Records read per query while counting; each batch is matched in memory by the domain's evaluator. */
const BATCH = 1000;

/** A segment rule's preview: which open records it matches now, before the segment is saved. */
export async function segmentPreviewRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  app.post(
    '/api/segments/preview',
    {
      schema: {
        tags: ['segments'],
        summary:
          'Preview a segment rule: how many open records of the type (among those you can see) match now, and the first names',
        body: SegmentPreviewInputSchema,
        response: { 200: SegmentPreviewSchema, 400: ProblemSchema, 403: ProblemSchema },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      if (!mayManageSegments(actor)) {
        throw forbidden('segment.manage', 'Only sequence managers and admins manage segments');
      }
      const { recordType, rule, limit } = request.body;
      const policy = await loadPolicy(deps, request, actor.orgId);
      const visibility = recordVisibility(actor, policy);
      const known = (await listRecordFields(deps.store.db, actor.orgId, recordType)).map((f) => f.name);
      let tally = EMPTY_TALLY;
      let after: { name: string; id: string } | null = null;
      for (;;) {
        const rows = await openRecordsBatch(deps.store.db, actor.orgId, visibility, recordType, after, BATCH);
        const candidates = rows.map((row) => ({
          id: row.id,
          name: row.name,
          values: recordFieldValues(row),
        }));
        tally = tallyMatches(tally, candidates, rule, known, limit);
        const last = rows.at(-1);
        if (!last || rows.length < BATCH) break;
        after = { name: last.name, id: last.id };
      }
      return { count: tally.count, items: tally.first };
    },
  );
}
