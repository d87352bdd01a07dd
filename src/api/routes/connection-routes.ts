import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  CONNECT_REFUSALS,
  type ConnectRefusal,
  INLINE_CONNECT_LIMIT,
  REFUSAL_MESSAGES,
} from '../../domain/connect/refusal.ts';
import { recordScopeFor } from '../../domain/connect/scope.ts';
import { DomainError } from '../../domain/errors.ts';
import type { Actor } from '../../domain/identity.ts';
import {
  type Decision,
  decideRecord,
  decideSequence,
  type OrgPolicy,
  type RecordAction,
} from '../../domain/permissions/permissions.ts';
import { countSteps } from '../../domain/sequence/graph.ts';
import { daysSince } from '../../domain/worklist/steps.ts';
import { applyEvent } from '../../engine/apply-event.ts';
import {
  ConnectFilterSchema,
  connectRecordIds,
  createConnectJob,
  findBulkJob,
  parseJobResult,
} from '../../engine/bulk-connect.ts';
import { pauseConnection, resumeConnection } from '../../engine/connect.ts';
import { recordAudit } from '../../store/repos/audit-repo.ts';
import {
  findConnection,
  findLiveConnection,
  findRecord,
  findRecords,
  listSequenceConnections,
  liveConnectionsOf,
  loadDefinitions,
  loadSequenceForConnect,
  type RecordRow,
  type SequenceForConnect,
  stepProgress,
} from '../../store/repos/connections-repo.ts';
import { writeTransaction } from '../../store/repos/engine-repo.ts';
import { recordTimeline } from '../../store/repos/timeline-repo.ts';
import { hasOpenStepAssigned } from '../../store/repos/worklist-repo.ts';
import type { ApiApp } from '../app.ts';
import { requireActor } from '../auth/authenticate.ts';
import { enforce, loadPolicy } from '../auth/guard.ts';
import type { AppDeps } from '../deps.ts';
import { decodeCursor, PageQuerySchema, pageSchema, toPage } from '../pagination.ts';
import { HttpProblem, notFoundProblem, ProblemSchema } from '../problems.ts';

const IdParams = z.object({ id: z.string().min(1).max(100) });
const RecordIdsSchema = z.array(z.string().min(1).max(100)).min(1);

export const ConnectOutcomeSchema = z
  .object({
    recordId: z.string(),
    status: z.enum(['connected', 'refused']),
    connectionId: z.string().optional(),
    reason: z.enum(CONNECT_REFUSALS).optional(),
    message: z.string().optional(),
  })
  .meta({ id: 'ConnectOutcome' });

export const BulkJobSchema = z
  .object({
    id: z.string(),
    kind: z.string(),
    status: z.enum(['queued', 'running', 'done', 'failed']),
    total: z.number(),
    processed: z.number(),
    succeeded: z.number(),
    failed: z.number(),
    refusalsByReason: z.record(z.string(), z.number()),
    refusals: z.array(z.object({ recordId: z.string(), reason: z.string() })),
    refusalsTruncated: z.boolean(),
    error: z.string().nullable(),
    createdAt: z.number(),
    updatedAt: z.number(),
  })
  .meta({ id: 'BulkJob' });

const ConnectedRecordSchema = z
  .object({
    connectionId: z.string(),
    record: z.object({ id: z.string(), name: z.string(), type: z.string() }),
    owner: z.object({ id: z.string(), name: z.string().nullable() }),
    status: z.string(),
    reason: z.string().nullable(),
    version: z.number().nullable(),
    progress: z.object({ done: z.number(), total: z.number() }),
    currentStep: z.object({ nodeId: z.string(), name: z.string(), kind: z.string() }).nullable(),
    daysInStep: z.number().nullable(),
    connectedAt: z.number(),
    endedAt: z.number().nullable(),
  })
  .meta({ id: 'ConnectedRecord' });

/** Loads a record and enforces `action` on it: 404 when the caller may not see it, 403 naming the permission. */
export async function loadRecordFor(
  deps: AppDeps,
  request: FastifyRequest,
  actor: Actor,
  recordId: string,
  action: RecordAction,
): Promise<RecordRow> {
  const record = await findRecord(deps.store.db, actor.orgId, recordId);
  if (!record) throw notFoundProblem('Record');
  const policy = await loadPolicy(deps, request, actor.orgId);
  enforce(await decideRecordFor(deps, actor, policy, action, record), 'Record');
  return record;
}

/** `decideRecord`, also asking the store whether the actor is assigned a step of the record when that matters. */
export async function decideRecordFor(
  deps: AppDeps,
  actor: Actor,
  policy: OrgPolicy,
  action: RecordAction,
  record: RecordRow,
): Promise<Decision> {
  const ref = { ownerId: record.owner_id, businessUnitId: record.business_unit_id };
  const decision = decideRecord(actor, policy, action, ref);
  if (decision.allowed || decision.visible) return decision;
  const assignedToActor = await hasOpenStepAssigned(deps.store.db, actor.orgId, record.id, actor.userId);
  return decideRecord(actor, policy, action, { ...ref, assignedToActor });
}

/** Loads a sequence for connecting and enforces `sequence.connect`. */
async function loadSequenceToConnect(
  deps: AppDeps,
  request: FastifyRequest,
  actor: Actor,
  sequenceId: string,
): Promise<SequenceForConnect> {
  const sequence = await loadSequenceForConnect(deps.store.db, actor.orgId, sequenceId);
  if (!sequence) throw notFoundProblem('Sequence');
  const policy = await loadPolicy(deps, request, actor.orgId);
  enforce(decideSequence(actor, policy, 'connect', sequence), 'Sequence');
  if (!sequence.connectable) {
    throw new DomainError('conflict', 'sequence_not_active', 'Only an active sequence can be connected');
  }
  return sequence;
}

const REFUSAL_KIND: Record<ConnectRefusal, DomainError['kind']> = {
  sequence_not_active: 'conflict',
  not_found: 'not_found',
  not_your_record: 'forbidden',
  wrong_record_type: 'invalid',
  not_open: 'invalid',
  already_connected: 'conflict',
  do_not_contact: 'invalid',
  address_suppressed: 'invalid',
  no_email_address: 'invalid',
};

function outcomeBody(outcome: Awaited<ReturnType<typeof connectRecordIds>>[number]) {
  return outcome.status === 'connected' ? outcome : { ...outcome, message: REFUSAL_MESSAGES[outcome.reason] };
}

export function bulkJobBody(row: NonNullable<Awaited<ReturnType<typeof findBulkJob>>>) {
  const result = parseJobResult(row.result_json) as ReturnType<typeof parseJobResult> & { error?: string };
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    total: row.total,
    processed: row.processed,
    succeeded: row.succeeded,
    failed: row.failed,
    refusalsByReason: result.byReason as Record<string, number>,
    // Refusals are listed once the job has ended; progress polls stay small.
    refusals: row.status === 'done' || row.status === 'failed' ? result.refusals : [],
    refusalsTruncated: result.refusalsTruncated,
    error: result.error ?? null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function connectionRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  const engine = { store: deps.store, clock: deps.clock };

  app.post(
    '/api/sequences/:id/connections',
    {
      schema: {
        tags: ['connections'],
        summary: `Connect records: up to ${INLINE_CONNECT_LIMIT} ids answered at once, more ids or a filter become a bulk job (202)`,
        params: IdParams,
        body: z
          .strictObject({
            recordIds: RecordIdsSchema.max(100_000).optional(),
            filter: ConnectFilterSchema.optional(),
          })
          .refine((body) => (body.recordIds === undefined) !== (body.filter === undefined), {
            message: 'Send either recordIds or filter',
            path: ['recordIds'],
          }),
        response: {
          200: z.object({
            connected: z.number(),
            refused: z.number(),
            results: z.array(ConnectOutcomeSchema),
          }),
          202: z.object({ jobId: z.string(), status: z.literal('queued') }),
          400: ProblemSchema,
          403: ProblemSchema,
          404: ProblemSchema,
          409: ProblemSchema,
        },
      },
    },
    async (request, reply) => {
      const actor = requireActor(request);
      const sequence = await loadSequenceToConnect(deps, request, actor, request.params.id);
      const policy = await loadPolicy(deps, request, actor.orgId);
      const now = deps.clock.now();
      const { recordIds, filter } = request.body;
      if (recordIds && recordIds.length <= INLINE_CONNECT_LIMIT) {
        const outcomes = await writeTransaction(deps.store, (trx) =>
          connectRecordIds(trx, {
            orgId: actor.orgId,
            sequence,
            actor,
            policy,
            recordIds,
            now,
            source: 'manual',
          }),
        );
        const connected = outcomes.filter((o) => o.status === 'connected').length;
        return reply
          .code(200)
          .send({ connected, refused: outcomes.length - connected, results: outcomes.map(outcomeBody) });
      }
      const jobId = await writeTransaction(deps.store, (trx) =>
        createConnectJob(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          params: {
            sequenceId: sequence.id,
            source: recordIds
              ? { kind: 'ids', recordIds: [...new Set(recordIds)] }
              : { kind: 'filter', filter: filter! },
          },
          now,
        }),
      );
      return reply.code(202).send({ jobId, status: 'queued' as const });
    },
  );

  app.get(
    '/api/bulk-jobs/:id',
    {
      schema: {
        tags: ['connections'],
        summary: 'Progress of a bulk job; when it has ended, the per-record refusals',
        params: IdParams,
        response: { 200: BulkJobSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const job = await findBulkJob(deps.store.db, actor.orgId, request.params.id);
      if (!job || (job.created_by !== actor.userId && !actor.roles.includes('admin'))) {
        throw notFoundProblem('Bulk job');
      }
      return bulkJobBody(job);
    },
  );

  app.post(
    '/api/records/:id/connection',
    {
      schema: {
        tags: ['connections'],
        summary: 'Connect this record to an active sequence',
        params: IdParams,
        body: z.strictObject({ sequenceId: z.string().min(1).max(100) }),
        response: {
          201: z.object({ connectionId: z.string(), sequenceId: z.string(), recordId: z.string() }),
          400: ProblemSchema,
          403: ProblemSchema,
          404: ProblemSchema,
          409: ProblemSchema,
          422: ProblemSchema,
        },
      },
    },
    async (request, reply) => {
      const actor = requireActor(request);
      await loadRecordFor(deps, request, actor, request.params.id, 'view');
      const sequence = await loadSequenceToConnect(deps, request, actor, request.body.sequenceId);
      const policy = await loadPolicy(deps, request, actor.orgId);
      const [outcome] = await writeTransaction(deps.store, (trx) =>
        connectRecordIds(trx, {
          orgId: actor.orgId,
          sequence,
          actor,
          policy,
          recordIds: [request.params.id],
          now: deps.clock.now(),
          source: 'manual',
        }),
      );
      if (!outcome || outcome.status === 'refused') {
        const reason = outcome?.status === 'refused' ? outcome.reason : 'not_found';
        throw new DomainError(REFUSAL_KIND[reason], reason, REFUSAL_MESSAGES[reason]);
      }
      return reply
        .code(201)
        .send({ connectionId: outcome.connectionId, sequenceId: sequence.id, recordId: request.params.id });
    },
  );

  const disconnectOne = async (actor: Actor, record: RecordRow, note: string | undefined) => {
    const live = await findLiveConnection(deps.store.db, actor.orgId, record.id);
    if (!live) return null;
    await applyEvent(engine, {
      orgId: actor.orgId,
      connectionId: live.id,
      event: { id: `exit:${live.id}:manual`, type: 'exit', reason: 'manual' },
    });
    const now = deps.clock.now();
    await writeTransaction(deps.store, async (trx) => {
      if (note) {
        await recordTimeline(trx, {
          orgId: actor.orgId,
          recordId: record.id,
          connectionId: live.id,
          kind: 'disconnect_note',
          actorId: actor.userId,
          summary: note,
          data: { sequenceId: live.sequence_id },
          at: now,
        });
      }
      await recordAudit(trx, {
        orgId: actor.orgId,
        actorId: actor.userId,
        action: 'connection.disconnect',
        resourceType: 'connection',
        resourceId: live.id,
        before: { status: live.status },
        after: { status: 'disconnected', reason: 'manual', note: note ?? null },
        at: now,
      });
    });
    return live.id;
  };

  app.delete(
    '/api/records/:id/connection',
    {
      schema: {
        tags: ['connections'],
        summary: 'Disconnect the record from its sequence (open steps canceled, pending work dropped)',
        params: IdParams,
        querystring: z.object({ note: z.string().max(500).optional() }),
        response: {
          200: z.object({ connectionId: z.string(), status: z.literal('disconnected') }),
          403: ProblemSchema,
          404: ProblemSchema,
        },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const record = await loadRecordFor(deps, request, actor, request.params.id, 'connect');
      const connectionId = await disconnectOne(actor, record, request.query.note);
      if (!connectionId) throw new DomainError('not_found', 'not_connected', 'The record is not connected');
      return { connectionId, status: 'disconnected' as const };
    },
  );

  app.post(
    '/api/connections/disconnect',
    {
      schema: {
        tags: ['connections'],
        summary: 'Disconnect several records at once',
        body: z.strictObject({
          recordIds: RecordIdsSchema.max(INLINE_CONNECT_LIMIT),
          note: z.string().max(500).optional(),
        }),
        response: {
          200: z.object({
            disconnected: z.number(),
            results: z.array(
              z.object({
                recordId: z.string(),
                status: z.enum(['disconnected', 'not_connected', 'not_found', 'not_your_record']),
                connectionId: z.string().optional(),
              }),
            ),
          }),
          400: ProblemSchema,
        },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const policy = await loadPolicy(deps, request, actor.orgId);
      const ids = [...new Set(request.body.recordIds)];
      const records = new Map((await findRecords(deps.store.db, actor.orgId, ids)).map((r) => [r.id, r]));
      const live = await liveConnectionsOf(deps.store.db, actor.orgId, ids);
      const results = [];
      for (const recordId of ids) {
        const record = records.get(recordId);
        if (!record) {
          results.push({ recordId, status: 'not_found' as const });
          continue;
        }
        const decision = decideRecord(actor, policy, 'connect', {
          ownerId: record.owner_id,
          businessUnitId: record.business_unit_id,
        });
        if (!decision.allowed) {
          const mine = decision.visible || record.business_unit_id === actor.businessUnitId;
          results.push({ recordId, status: mine ? ('not_your_record' as const) : ('not_found' as const) });
          continue;
        }
        if (!live.has(recordId)) {
          results.push({ recordId, status: 'not_connected' as const });
          continue;
        }
        try {
          const connectionId = await disconnectOne(actor, record, request.body.note);
          results.push(
            connectionId
              ? { recordId, status: 'disconnected' as const, connectionId }
              : { recordId, status: 'not_connected' as const },
          );
        } catch (error) {
          if (error instanceof DomainError && error.code === 'connection_not_active') {
            results.push({ recordId, status: 'not_connected' as const });
          } else throw error;
        }
      }
      return { disconnected: results.filter((r) => r.status === 'disconnected').length, results };
    },
  );

  for (const action of ['pause', 'resume'] as const) {
    app.post(
      `/api/connections/:id/${action}`,
      {
        schema: {
          tags: ['connections'],
          summary:
            action === 'pause'
              ? 'Pause a connection (nothing runs until resumed)'
              : 'Resume a paused connection',
          params: IdParams,
          body: z.strictObject({ note: z.string().max(500).optional() }).optional(),
          response: {
            200: z.object({ connectionId: z.string(), status: z.enum(['active', 'paused']) }),
            403: ProblemSchema,
            404: ProblemSchema,
            409: ProblemSchema,
          },
        },
      },
      async (request) => {
        const actor = requireActor(request);
        const connection = await findConnection(deps.store.db, actor.orgId, request.params.id);
        if (!connection) throw notFoundProblem('Connection');
        const record = await loadRecordFor(deps, request, actor, connection.record_id, 'act');
        const note = request.body?.note;
        const now = deps.clock.now();
        await writeTransaction(deps.store, async (trx) => {
          const input = { orgId: actor.orgId, connectionId: connection.id, now, actorId: actor.userId };
          const changed =
            action === 'pause' ? await pauseConnection(trx, input) : await resumeConnection(trx, input);
          if (!changed) {
            throw new DomainError(
              'conflict',
              action === 'pause' ? 'connection_not_active' : 'connection_not_paused',
              action === 'pause'
                ? 'Only an active connection can be paused'
                : 'Only a paused connection can be resumed',
            );
          }
          await recordTimeline(trx, {
            orgId: actor.orgId,
            recordId: record.id,
            connectionId: connection.id,
            kind: action === 'pause' ? 'connection_paused' : 'connection_resumed',
            actorId: actor.userId,
            summary:
              (action === 'pause' ? 'Paused the sequence' : 'Resumed the sequence') +
              (note ? `: ${note}` : ''),
            data: { sequenceId: connection.sequence_id, note: note ?? null },
            at: now,
          });
          await recordAudit(trx, {
            orgId: actor.orgId,
            actorId: actor.userId,
            action: `connection.${action}`,
            resourceType: 'connection',
            resourceId: connection.id,
            before: { status: connection.status },
            after: { status: action === 'pause' ? 'paused' : 'active', note: note ?? null },
            at: now,
          });
        });
        return {
          connectionId: connection.id,
          status: action === 'pause' ? ('paused' as const) : ('active' as const),
        };
      },
    );
  }

  app.get(
    '/api/sequences/:id/connections',
    {
      schema: {
        tags: ['connections'],
        summary:
          'Connected records of a sequence: record, owner, progress, current step, days in step, version',
        params: IdParams,
        querystring: PageQuerySchema.extend({
          status: z
            .string()
            .max(100)
            .regex(
              /^(active|paused|completed|disconnected|failed)(,(active|paused|completed|disconnected|failed))*$/,
            )
            .optional(),
        }),
        response: { 200: pageSchema(ConnectedRecordSchema), 400: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const sequence = await loadSequenceForConnect(deps.store.db, actor.orgId, request.params.id);
      if (!sequence) throw notFoundProblem('Sequence');
      const policy = await loadPolicy(deps, request, actor.orgId);
      enforce(decideSequence(actor, policy, 'view', sequence), 'Sequence');
      const after = decodeCursor(request.query.cursor, z.object({ id: z.string() }));
      const rows = await listSequenceConnections(deps.store.db, {
        orgId: actor.orgId,
        sequenceId: sequence.id,
        statuses: request.query.status?.split(','),
        scope: recordScopeFor(actor, policy),
        limit: request.query.limit,
        after,
      });
      const page = rows.slice(0, request.query.limit);
      const [progress, definitions] = await Promise.all([
        stepProgress(
          deps.store.db,
          actor.orgId,
          page.map((r) => r.id),
        ),
        loadDefinitions(
          deps.store.db,
          actor.orgId,
          page.map((r) => r.version_id),
        ),
      ]);
      const now = deps.clock.now();
      return toPage(
        rows,
        request.query.limit,
        (row) => {
          const definition = definitions.get(row.version_id)?.definition ?? null;
          const p = progress.get(row.id);
          const live = row.status === 'active' || row.status === 'paused';
          const node =
            live && row.current_node_id
              ? definition?.nodes.find((n) => n.id === row.current_node_id)
              : undefined;
          return {
            connectionId: row.id,
            record: { id: row.record_id, name: row.record_name, type: row.record_type },
            owner: { id: row.owner_id, name: row.owner_name ?? null },
            status: row.status,
            reason: row.reason,
            version: row.version ?? null,
            progress: { done: p?.done ?? 0, total: definition ? countSteps(definition) : 0 },
            currentStep: node ? { nodeId: node.id, name: node.name ?? node.kind, kind: node.kind } : null,
            daysInStep: node && p?.openSince != null ? daysSince(p.openSince, now) : null,
            connectedAt: row.connected_at,
            endedAt: row.ended_at,
          };
        },
        (row) => ({ id: row.id }),
      );
    },
  );
}

export function refusalProblem(reason: ConnectRefusal): HttpProblem {
  return new HttpProblem(422, reason, REFUSAL_MESSAGES[reason]);
}
