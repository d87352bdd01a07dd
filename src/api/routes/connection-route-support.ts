import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CONNECT_REFUSALS, type ConnectRefusal, REFUSAL_MESSAGES } from '../../domain/connect/refusal.ts';
import { DomainError } from '../../domain/errors.ts';
import type { Actor } from '../../domain/identity.ts';
import {
  type Decision,
  decideRecord,
  decideSequence,
  type OrgPolicy,
  type RecordAction,
} from '../../domain/permissions/permissions.ts';
import { type connectRecordIds, type findBulkJob, parseJobResult } from '../../engine/bulk-connect.ts';
import {
  findRecord,
  loadSequenceForConnect,
  type RecordRow,
  type SequenceForConnect,
} from '../../store/repos/connections-repo.ts';
import { hasOpenStepAssigned } from '../../store/repos/worklist-repo.ts';
import { enforce, loadPolicy } from '../auth/guard.ts';
import type { AppDeps } from '../deps.ts';
import { notFoundProblem } from '../problems.ts';

export const IdParams = z.object({ id: z.string().min(1).max(100) });
export const RecordIdsSchema = z.array(z.string().min(1).max(100)).min(1);

export const ConnectOutcomeSchema = z
  .object({
    recordId: z.string(),
    status: z.enum(['connected', 'refused']),
    connectionId: z.string().optional(),
    reason: z.enum(CONNECT_REFUSALS).optional(),
    message: z.string().optional(),
  })
  .meta({ id: 'ConnectOutcome' });

/** POST /api/sequences/:id/connections: up to the inline limit, connected at once… */
export const ConnectResultSchema = z
  .object({ connected: z.number(), refused: z.number(), results: z.array(ConnectOutcomeSchema) })
  .meta({ id: 'ConnectResult' });
/** …above it, a bulk job to follow. */
export const ConnectQueuedSchema = z
  .object({ jobId: z.string(), status: z.literal('queued') })
  .meta({ id: 'ConnectQueued' });

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

/** Why a paused connection is paused: the seller's note from the timeline (null when paused by a held email). */
export const PauseInfoSchema = z
  .object({
    note: z.string().nullable(),
    at: z.number(),
    by: z.object({ id: z.string(), name: z.string().nullable() }).nullable(),
  })
  .meta({ id: 'PauseInfo' });

export const ConnectedRecordSchema = z
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
    /** Set while the connection is paused and a seller gave a reason. */
    pause: PauseInfoSchema.nullable(),
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
export async function loadSequenceToConnect(
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

export const REFUSAL_KIND: Record<ConnectRefusal, DomainError['kind']> = {
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

export function outcomeBody(outcome: Awaited<ReturnType<typeof connectRecordIds>>[number]) {
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
