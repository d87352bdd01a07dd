import { z } from 'zod';
import { INLINE_CONNECT_LIMIT, REFUSAL_MESSAGES } from '../../domain/connect/refusal.ts';
import { recordScopeFor } from '../../domain/connect/scope.ts';
import { DomainError } from '../../domain/errors.ts';
import { decideSequence } from '../../domain/permissions/permissions.ts';
import { countSteps } from '../../domain/sequence/graph.ts';
import { daysSince } from '../../domain/worklist/steps.ts';
import {
  ConnectFilterSchema,
  connectRecordIds,
  createConnectJob,
  findBulkJob,
} from '../../engine/bulk-connect.ts';
import { pauseNotesOf } from '../../store/connections/pause-notes.ts';
import {
  listSequenceConnections,
  loadDefinitions,
  loadSequenceForConnect,
  stepProgress,
} from '../../store/repos/connections-repo.ts';
import { writeTransaction } from '../../store/repos/engine-repo.ts';
import type { ApiApp } from '../app.ts';
import { requireActor } from '../auth/authenticate.ts';
import { enforce, loadPolicy } from '../auth/guard.ts';
import type { AppDeps } from '../deps.ts';
import { decodeCursor, PageQuerySchema, pageSchema, toPage } from '../pagination.ts';
import { notFoundProblem, ProblemSchema } from '../problems.ts';
import {
  BulkJobSchema,
  bulkJobBody,
  ConnectedRecordSchema,
  ConnectQueuedSchema,
  ConnectResultSchema,
  IdParams,
  loadRecordFor,
  loadSequenceToConnect,
  outcomeBody,
  REFUSAL_KIND,
  RecordIdsSchema,
} from './connection-route-support.ts';

/** Connecting records to sequences (one, many, by job) and listing a sequence's connections. */
export async function connectionRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
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
          200: ConnectResultSchema,
          202: ConnectQueuedSchema,
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
      const paused = page.filter((r) => r.status === 'paused');
      const [progress, definitions, pauses] = await Promise.all([
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
        pauseNotesOf(
          deps.store.db,
          actor.orgId,
          paused.map((r) => ({ id: r.id, recordId: r.record_id })),
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
            pause: row.status === 'paused' ? (pauses.get(row.id) ?? null) : null,
          };
        },
        (row) => ({ id: row.id }),
      );
    },
  );
}
