import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ErrorCode } from '../../domain/error-codes.ts';
import { DomainError } from '../../domain/errors.ts';
import type { Actor } from '../../domain/identity.ts';
import { decideSequence } from '../../domain/permissions/permissions.ts';
import {
  decideSegment,
  mayManageSegments,
  SegmentInputSchema,
  SegmentPatchSchema,
} from '../../domain/segments/segment.ts';
import { FieldRuleSchema } from '../../domain/sequence/definition.ts';
import { newId } from '../../store/ids.ts';
import { recordAudit } from '../../store/repos/audit-repo.ts';
import { loadSequenceForConnect } from '../../store/repos/connections-repo.ts';
import { writeTransaction } from '../../store/repos/engine-repo.ts';
import {
  deleteSegment,
  findSegment,
  insertSegment,
  listSegments,
  type Segment,
  updateSegment,
} from '../../store/repos/segments-repo.ts';
import { loadAccessibleSequences } from '../../store/repos/sequence-access-repo.ts';
import type { ApiApp } from '../app.ts';
import { requireActor } from '../auth/authenticate.ts';
import { enforce, loadPolicy } from '../auth/guard.ts';
import type { AppDeps } from '../deps.ts';
import { forbidden, notFoundProblem, ProblemSchema } from '../problems.ts';

export const SegmentSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    recordType: z.string(),
    rule: FieldRuleSchema,
    priority: z.number(),
    sequenceId: z.string(),
    enabled: z.boolean(),
    ownerId: z.string(),
    createdAt: z.number(),
    updatedAt: z.number(),
  })
  .meta({ id: 'Segment' });

const body = (s: Segment): z.infer<typeof SegmentSchema> => ({
  id: s.id,
  name: s.name,
  recordType: s.recordType,
  rule: s.rule,
  priority: s.priority,
  sequenceId: s.sequenceId,
  enabled: s.enabled,
  ownerId: s.ownerId,
  createdAt: s.createdAt,
  updatedAt: s.updatedAt,
});

const IdParams = z.object({ id: z.string().min(1).max(100) });

/**
 * Segments: rules that connect matching open records automatically when they are created or changed
 * (src/engine/record-changes.ts). Managed by sequence managers and admins; the highest priority wins.
 */
export async function segmentRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  const requireManager = (actor: Actor) => {
    if (!mayManageSegments(actor)) {
      throw forbidden('segment.manage', 'Only sequence managers and admins manage segments');
    }
  };

  /** The segments the caller may see: those whose sequence they can see (src/domain/segments/segment.ts). */
  const visibleSegments = async (request: FastifyRequest, actor: Actor, segments: Segment[]) => {
    const policy = await loadPolicy(deps, request, actor.orgId);
    const sequences = new Map(
      (
        await loadAccessibleSequences(
          deps.store.db,
          actor.orgId,
          segments.map((s) => s.sequenceId),
        )
      ).map((s) => [s.id, s] as const),
    );
    return segments.filter(
      (segment) =>
        decideSegment(actor, policy, {
          ownerId: segment.ownerId,
          sequence: sequences.get(segment.sequenceId),
        }).allowed,
    );
  };

  /** One segment the caller may see, or 404 (another unit's segment is not even acknowledged). */
  const requireSegment = async (request: FastifyRequest, actor: Actor, id: string) => {
    const segment = await findSegment(deps.store.db, actor.orgId, id);
    const [visible] = segment ? await visibleSegments(request, actor, [segment]) : [];
    if (!visible) throw notFoundProblem('Segment');
    return visible;
  };

  /** The target sequence must be one the caller may connect, of the segment's record type. */
  const checkTarget = async (
    request: FastifyRequest,
    actor: Actor,
    sequenceId: string,
    recordType: string,
  ) => {
    const sequence = await loadSequenceForConnect(deps.store.db, actor.orgId, sequenceId);
    const problem = (code: ErrorCode, message: string) =>
      new DomainError('invalid', code, message, [{ path: ['body', 'sequenceId'], code, message }]);
    if (!sequence) throw problem('sequence_not_found', 'No such sequence');
    const policy = await loadPolicy(deps, request, actor.orgId);
    const decision = decideSequence(actor, policy, 'connect', sequence);
    if (!decision.allowed && !decision.visible) throw problem('sequence_not_found', 'No such sequence');
    enforce(decision, 'Sequence');
    if (sequence.recordType !== recordType) {
      throw problem(
        'wrong_record_type',
        `The sequence is for ${sequence.recordType} records, the segment for ${recordType}`,
      );
    }
  };

  app.get(
    '/api/segments',
    {
      schema: {
        tags: ['segments'],
        summary: 'Segments, highest priority first',
        response: { 200: z.object({ items: z.array(SegmentSchema) }), 403: ProblemSchema },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      requireManager(actor);
      const segments = await listSegments(deps.store.db, actor.orgId);
      return { items: (await visibleSegments(request, actor, segments)).map(body) };
    },
  );

  app.get(
    '/api/segments/:id',
    {
      schema: {
        tags: ['segments'],
        summary: 'One segment',
        params: IdParams,
        response: { 200: SegmentSchema, 403: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      requireManager(actor);
      return body(await requireSegment(request, actor, request.params.id));
    },
  );

  app.post(
    '/api/segments',
    {
      schema: {
        tags: ['segments'],
        summary: 'Create a segment',
        body: SegmentInputSchema,
        response: { 201: SegmentSchema, 400: ProblemSchema, 403: ProblemSchema, 422: ProblemSchema },
      },
    },
    async (request, reply) => {
      const actor = requireActor(request);
      requireManager(actor);
      const input = request.body;
      await checkTarget(request, actor, input.sequenceId, input.recordType);
      const now = deps.clock.now();
      const segment: Segment = {
        orgId: actor.orgId,
        id: newId(now),
        name: input.name,
        recordType: input.recordType,
        rule: input.rule,
        priority: input.priority,
        sequenceId: input.sequenceId,
        enabled: input.enabled,
        ownerId: actor.userId,
        createdAt: now,
        updatedAt: now,
      };
      await writeTransaction(deps.store, async (trx) => {
        await insertSegment(trx, segment);
        await recordAudit(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          action: 'segment.create',
          resourceType: 'segment',
          resourceId: segment.id,
          after: body(segment),
          at: now,
        });
      });
      return reply.code(201).send(body(segment));
    },
  );

  app.patch(
    '/api/segments/:id',
    {
      schema: {
        tags: ['segments'],
        summary: 'Change a segment (any of its fields; e.g. `enabled: false` to switch it off)',
        params: IdParams,
        body: SegmentPatchSchema,
        response: {
          200: SegmentSchema,
          400: ProblemSchema,
          403: ProblemSchema,
          404: ProblemSchema,
          422: ProblemSchema,
        },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      requireManager(actor);
      const current = await requireSegment(request, actor, request.params.id);
      const patch = request.body;
      const now = deps.clock.now();
      const next: Segment = {
        ...current,
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.recordType !== undefined ? { recordType: patch.recordType } : {}),
        ...(patch.rule !== undefined ? { rule: patch.rule } : {}),
        ...(patch.priority !== undefined ? { priority: patch.priority } : {}),
        ...(patch.sequenceId !== undefined ? { sequenceId: patch.sequenceId } : {}),
        ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
        updatedAt: now,
      };
      if (patch.sequenceId !== undefined || patch.recordType !== undefined) {
        await checkTarget(request, actor, next.sequenceId, next.recordType);
      }
      await writeTransaction(deps.store, async (trx) => {
        await updateSegment(trx, next);
        await recordAudit(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          action: 'segment.update',
          resourceType: 'segment',
          resourceId: next.id,
          before: body(current),
          after: body(next),
          at: now,
        });
      });
      return body(next);
    },
  );

  app.delete(
    '/api/segments/:id',
    {
      schema: {
        tags: ['segments'],
        summary: 'Delete a segment (records it connected stay connected)',
        params: IdParams,
        response: { 204: z.null(), 403: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request, reply) => {
      const actor = requireActor(request);
      requireManager(actor);
      const current = await requireSegment(request, actor, request.params.id);
      const now = deps.clock.now();
      await writeTransaction(deps.store, async (trx) => {
        await deleteSegment(trx, actor.orgId, current.id);
        await recordAudit(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          action: 'segment.delete',
          resourceType: 'segment',
          resourceId: current.id,
          before: body(current),
          at: now,
        });
      });
      return reply.code(204).send(null);
    },
  );
}
