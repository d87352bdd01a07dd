import { z } from 'zod';
import { SequenceDefinitionSchema } from '../../domain/sequence/definition.ts';
import { setAbWinner, versionDefinitionJson } from '../../store/repos/ab-winners-repo.ts';
import { recordAudit } from '../../store/repos/audit-repo.ts';
import type { ApiApp } from '../app.ts';
import type { AppDeps } from '../deps.ts';
import { HttpProblem, notFoundProblem, ProblemSchema } from '../problems.ts';
import { guardSequence } from './sequence-route-support.ts';

const Params = z.strictObject({ id: z.string().min(1).max(100), nodeId: z.string().min(1).max(64) });
const Body = z.strictObject({ variant: z.string().min(1).max(8) });

/**
 * Manual override of an A/B test's winner: whoever may edit the sequence picks the variant new recipients of
 * the active version get from now on, replacing an automatic decision (which never replaces a manual one).
 */
export async function abWinnerRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  app.put(
    '/api/sequences/:id/ab-tests/:nodeId/winner',
    {
      schema: {
        tags: ['insights'],
        summary: 'Choose the winner of an A/B-tested email of the active version by hand',
        params: Params,
        body: Body,
        response: {
          200: z.object({
            nodeId: z.string(),
            variant: z.string(),
            versionId: z.string(),
            decidedBy: z.string(),
          }),
          400: ProblemSchema,
          401: ProblemSchema,
          403: ProblemSchema,
          404: ProblemSchema,
          409: ProblemSchema,
        },
      },
    },
    async (request) => {
      const { actor, row } = await guardSequence(deps, request, request.params.id, 'edit');
      const versionId = row.active_version_id;
      if (!versionId)
        throw new HttpProblem(409, 'sequence_not_active', 'Only an active sequence has a running test');
      const json = await versionDefinitionJson(deps.store.db, actor.orgId, versionId);
      const definition = json ? SequenceDefinitionSchema.parse(JSON.parse(json)) : null;
      const node = definition?.nodes.find((n) => n.id === request.params.nodeId);
      if (!node || (node.kind !== 'email' && node.kind !== 'automated_email') || !node.abTest)
        throw notFoundProblem('A/B test');
      const { variant } = request.body;
      if (!node.abTest.variants.some((v) => v.id === variant))
        throw new HttpProblem(400, 'unknown_variant', `No variant ${variant} in this test`, [
          { path: ['body', 'variant'], code: 'unknown_variant', message: 'Not a variant of this test' },
        ]);
      const now = deps.clock.now();
      await deps.store.db.transaction().execute(async (trx) => {
        await setAbWinner(trx, {
          org_id: actor.orgId,
          version_id: versionId,
          node_id: node.id,
          sequence_id: row.id,
          variant,
          metric: node.abTest?.winnerMetric ?? 'opens',
          decided_by: actor.userId,
          data_json: JSON.stringify({ manual: true }),
          decided_at: now,
        });
        await recordAudit(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          action: 'ab_test.winner_chosen',
          resourceType: 'sequence',
          resourceId: row.id,
          after: { nodeId: node.id, variant, versionId },
          at: now,
        });
      });
      return { nodeId: node.id, variant, versionId, decidedBy: actor.userId };
    },
  );
}
