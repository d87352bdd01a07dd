import type { FastifyRequest } from 'fastify';
import type { Kysely, Selectable } from 'kysely';
import { z } from 'zod';
import { DomainError } from '../../domain/errors.ts';
import type { Actor } from '../../domain/identity.ts';
import { decideRecord, isWithinUnit } from '../../domain/permissions/permissions.ts';
import { CallOutcomeSchema } from '../../domain/sequence/definition.ts';
import { type StepAction, type StepRefusal, stepActionRefusal } from '../../domain/worklist/steps.ts';
import { applyEvent } from '../../engine/apply-event.ts';
import { newId } from '../../store/ids.ts';
import { findStepInstance, markStepRead } from '../../store/queries/step-instances.ts';
import { recordAudit } from '../../store/repos/audit-repo.ts';
import { findRecord, type RecordRow } from '../../store/repos/connections-repo.ts';
import { writeTransaction } from '../../store/repos/engine-repo.ts';
import { loadActor } from '../../store/repos/identity-repo.ts';
import type { Database, StepInstancesTable } from '../../store/schema.ts';
import type { ApiApp } from '../app.ts';
import { requireActor } from '../auth/authenticate.ts';
import { enforce, loadPolicy } from '../auth/guard.ts';
import type { AppDeps } from '../deps.ts';
import { notFoundProblem, ProblemSchema } from '../problems.ts';

type StepRow = Selectable<StepInstancesTable>;

export const StepSchema = z
  .object({
    id: z.string(),
    connectionId: z.string(),
    recordId: z.string(),
    sequenceId: z.string(),
    nodeId: z.string(),
    kind: z.string(),
    name: z.string(),
    status: z.string(),
    ownerId: z.string(),
    dueAt: z.number().nullable(),
    priority: z.number(),
    outcome: z.string().nullable(),
    note: z.string().nullable(),
    completedAt: z.number().nullable(),
    completedBy: z.string().nullable(),
    readAt: z.number().nullable(),
  })
  .meta({ id: 'StepInstance' });

export function stepBody(row: StepRow): z.infer<typeof StepSchema> {
  return {
    id: row.id,
    connectionId: row.connection_id,
    recordId: row.record_id,
    sequenceId: row.sequence_id,
    nodeId: row.node_id,
    kind: row.kind,
    name: row.name,
    status: row.status,
    ownerId: row.owner_id,
    dueAt: row.due_at,
    priority: row.priority,
    outcome: row.outcome,
    note: row.note,
    completedAt: row.completed_at,
    completedBy: row.completed_by,
    readAt: row.read_at,
  };
}

const REFUSAL_MESSAGES: Record<StepRefusal, string> = {
  step_not_open: 'The step is no longer open',
  not_allowed_for_kind: 'This action does not apply to this kind of step',
  outcome_required: 'Completing a phone call needs its outcome',
};

const IdParams = z.object({ id: z.string().min(1).max(100) });
const responses = {
  200: z.object({ step: StepSchema }),
  400: ProblemSchema,
  403: ProblemSchema,
  404: ProblemSchema,
  409: ProblemSchema,
  422: ProblemSchema,
};

/**
 * A seller's actions on a step instance. Each is checked with `decideRecord(…, 'act')` (the step's assignee
 * may act on it too), then applied through the engine (`applyEvent`), which records it on the timeline.
 */
export async function stepRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  const engine = { store: deps.store, clock: deps.clock };

  const loadStep = async (request: FastifyRequest, actor: Actor, stepId: string) => {
    const step = await findStepInstance(deps.store.db, actor.orgId, stepId);
    if (!step) throw notFoundProblem('Step');
    const record = await findRecord(deps.store.db, actor.orgId, step.record_id);
    if (!record) throw notFoundProblem('Step');
    const policy = await loadPolicy(deps, request, actor.orgId);
    // The step's assignee may act on it too, while the record is in their branch of the unit tree (decideRecord).
    enforce(
      decideRecord(actor, policy, 'act', {
        ownerId: record.owner_id,
        businessUnitId: record.business_unit_id,
        assignedToActor: step.owner_id === actor.userId,
      }),
      'Step',
    );
    return { step, record };
  };

  const check = (action: StepAction, step: StepRow, input: { outcome?: string | undefined } = {}) => {
    const refusal = stepActionRefusal(action, step, input);
    if (refusal) throw new DomainError('invalid', refusal, REFUSAL_MESSAGES[refusal]);
  };

  const reload = async (actor: Actor, id: string) => {
    const row = await findStepInstance(deps.store.db, actor.orgId, id);
    if (!row) throw notFoundProblem('Step');
    return { step: stepBody(row) };
  };

  /** The engine's transaction records the action on the timeline; the audit entry follows right after it. */
  const audit = (
    db: Kysely<Database>,
    actor: Actor,
    step: StepRow,
    action: string,
    after: Record<string, unknown> = {},
  ) =>
    recordAudit(db, {
      orgId: actor.orgId,
      actorId: actor.userId,
      action: `step.${action}`,
      resourceType: 'step_instance',
      resourceId: step.id,
      before: { status: step.status, ownerId: step.owner_id, dueAt: step.due_at },
      after,
      at: deps.clock.now(),
    });

  app.post(
    '/api/steps/:id/complete',
    {
      schema: {
        tags: ['steps'],
        summary: 'Mark a manual step complete (with a note; phone calls need an outcome)',
        params: IdParams,
        body: z.strictObject({
          note: z.string().max(4000).optional(),
          outcome: CallOutcomeSchema.optional(),
        }),
        response: responses,
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const { step } = await loadStep(request, actor, request.params.id);
      check('complete', step, { outcome: request.body.outcome });
      await applyEvent(engine, {
        orgId: actor.orgId,
        connectionId: step.connection_id,
        event: {
          id: newId(deps.clock.now()),
          type: 'step_completed',
          nodeId: step.node_id,
          actorId: actor.userId,
          ...(request.body.outcome ? { outcome: request.body.outcome } : {}),
          ...(request.body.note ? { note: request.body.note } : {}),
        },
        within: (trx) => audit(trx, actor, step, 'complete', { outcome: request.body.outcome ?? null }),
      });
      return reload(actor, step.id);
    },
  );

  app.post(
    '/api/steps/:id/skip',
    {
      schema: {
        tags: ['steps'],
        summary: 'Skip a step (a condition that inspects it then takes No)',
        params: IdParams,
        body: z.strictObject({}).optional(),
        response: responses,
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const { step } = await loadStep(request, actor, request.params.id);
      check('skip', step);
      await applyEvent(engine, {
        orgId: actor.orgId,
        connectionId: step.connection_id,
        event: {
          id: newId(deps.clock.now()),
          type: 'step_skipped',
          nodeId: step.node_id,
          actorId: actor.userId,
        },
        within: (trx) => audit(trx, actor, step, 'skip', {}),
      });
      return reload(actor, step.id);
    },
  );

  app.post(
    '/api/steps/:id/skip-wait',
    {
      schema: {
        tags: ['steps'],
        summary: 'Skip the rest of a wait: the next step becomes due now',
        params: IdParams,
        body: z.strictObject({}).optional(),
        response: responses,
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const { step } = await loadStep(request, actor, request.params.id);
      check('skip_wait', step);
      await applyEvent(engine, {
        orgId: actor.orgId,
        connectionId: step.connection_id,
        event: {
          id: newId(deps.clock.now()),
          type: 'wait_skipped',
          nodeId: step.node_id,
          actorId: actor.userId,
        },
        within: (trx) => audit(trx, actor, step, 'skip_wait', {}),
      });
      return reload(actor, step.id);
    },
  );

  app.post(
    '/api/steps/:id/snooze',
    {
      schema: {
        tags: ['steps'],
        summary: 'Move a manual step’s due time',
        params: IdParams,
        body: z.strictObject({
          until: z.union([z.number().int().min(0), z.iso.datetime({ offset: true })]),
        }),
        response: responses,
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const { step } = await loadStep(request, actor, request.params.id);
      check('snooze', step);
      const now = deps.clock.now();
      const until =
        typeof request.body.until === 'number' ? request.body.until : Date.parse(request.body.until);
      if (until <= now) {
        throw new DomainError('invalid', 'snooze_in_past', 'Snooze to a time in the future', [
          { path: ['body', 'until'], code: 'snooze_in_past', message: 'Must be later than now' },
        ]);
      }
      if (until > now + 366 * 86_400_000) {
        throw new DomainError('invalid', 'snooze_too_far', 'Snooze for at most a year', [
          { path: ['body', 'until'], code: 'snooze_too_far', message: 'At most a year from now' },
        ]);
      }
      await applyEvent(engine, {
        orgId: actor.orgId,
        connectionId: step.connection_id,
        event: { id: newId(now), type: 'step_snoozed', nodeId: step.node_id, actorId: actor.userId, until },
        within: (trx) => audit(trx, actor, step, 'snooze', { dueAt: until }),
      });
      return reload(actor, step.id);
    },
  );

  app.post(
    '/api/steps/:id/assign',
    {
      schema: {
        tags: ['steps'],
        summary: 'Hand a manual step to another seller of the record’s business unit',
        params: IdParams,
        body: z.strictObject({ userId: z.string().min(1).max(100) }),
        response: responses,
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const { step, record } = await loadStep(request, actor, request.params.id);
      check('assign', step);
      const target = await loadActor(deps.store.db, actor.orgId, request.body.userId);
      if (!target) {
        throw new DomainError('not_found', 'user_not_found', 'No such active user', [
          { path: ['body', 'userId'], code: 'user_not_found', message: 'No such active user' },
        ]);
      }
      const policy = await loadPolicy(deps, request, actor.orgId);
      if (!mayWorkOn(target, record, policy)) {
        throw new DomainError(
          'forbidden',
          'assignee_cannot_see_record',
          'That user cannot work on this record',
          [
            {
              path: ['body', 'userId'],
              code: 'assignee_cannot_see_record',
              message: 'Outside the record’s business unit',
            },
          ],
        );
      }
      await applyEvent(engine, {
        orgId: actor.orgId,
        connectionId: step.connection_id,
        event: {
          id: newId(deps.clock.now()),
          type: 'step_assigned',
          nodeId: step.node_id,
          actorId: actor.userId,
          ownerId: target.userId,
        },
        within: (trx) => audit(trx, actor, step, 'assign', { ownerId: target.userId }),
      });
      return reload(actor, step.id);
    },
  );

  app.post(
    '/api/steps/:id/read',
    {
      schema: {
        tags: ['steps'],
        summary: 'Mark a step as read (the work list’s unread filter)',
        params: IdParams,
        body: z.strictObject({}).optional(),
        response: responses,
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const { step } = await loadStep(request, actor, request.params.id);
      const now = deps.clock.now();
      if (step.read_at === null) {
        await writeTransaction(deps.store, async (trx) => {
          await markStepRead(trx, actor.orgId, step.id, now);
          await recordAudit(trx, {
            orgId: actor.orgId,
            actorId: actor.userId,
            action: 'step.read',
            resourceType: 'step_instance',
            resourceId: step.id,
            at: now,
          });
        });
      }
      return reload(actor, step.id);
    },
  );
}

/** An assignee must be able to see the record: same branch of the business unit tree, or an admin. */
function mayWorkOn(target: Actor, record: RecordRow, policy: Parameters<typeof isWithinUnit>[0]): boolean {
  if (target.roles.includes('admin')) return true;
  if (
    decideRecord(target, policy, 'act', { ownerId: record.owner_id, businessUnitId: record.business_unit_id })
      .allowed
  ) {
    return true;
  }
  return (
    isWithinUnit(policy, record.business_unit_id, target.businessUnitId) ||
    isWithinUnit(policy, target.businessUnitId, record.business_unit_id)
  );
}
