import { z } from 'zod';
import { INLINE_CONNECT_LIMIT } from '../../domain/connect/refusal.ts';
import { DomainError } from '../../domain/errors.ts';
import type { Actor } from '../../domain/identity.ts';
import { decideRecord } from '../../domain/permissions/permissions.ts';
import { applyEvent } from '../../engine/apply-event.ts';
import { pauseConnection, resumeConnection } from '../../engine/connect.ts';
import type { ConnectionRow } from '../../store/connections/connection-rows.ts';
import { recordAudit } from '../../store/repos/audit-repo.ts';
import {
  findConnection,
  findConnections,
  findLiveConnection,
  findRecords,
  liveConnectionsOf,
  type RecordRow,
} from '../../store/repos/connections-repo.ts';
import { writeTransaction } from '../../store/repos/engine-repo.ts';
import { heldEmailsOfConnection } from '../../store/repos/held-steps-repo.ts';
import { recordTimeline } from '../../store/repos/timeline-repo.ts';
import type { ApiApp } from '../app.ts';
import { requireActor } from '../auth/authenticate.ts';
import { loadPolicy } from '../auth/guard.ts';
import type { AppDeps } from '../deps.ts';
import { notFoundProblem, ProblemSchema } from '../problems.ts';
import { decideRecordFor, IdParams, loadRecordFor, RecordIdsSchema } from './connection-route-support.ts';

/** Ending, pausing and resuming connections. */
export async function connectionStateRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  const engine = { store: deps.store, clock: deps.clock };

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

  /**
   * Pauses or resumes one connection the caller may act on, with its timeline entry and audit line, in one
   * transaction. False when it was not in the state the action needs (not active to pause, not paused to resume).
   */
  const changeState = async (
    actor: Actor,
    connection: ConnectionRow,
    recordId: string,
    action: 'pause' | 'resume',
    note: string | undefined,
  ): Promise<boolean> => {
    const now = deps.clock.now();
    return writeTransaction(deps.store, async (trx) => {
      const input = { orgId: actor.orgId, connectionId: connection.id, now, actorId: actor.userId };
      const changed =
        action === 'pause' ? await pauseConnection(trx, input) : await resumeConnection(trx, input);
      if (!changed) return false;
      await recordTimeline(trx, {
        orgId: actor.orgId,
        recordId,
        connectionId: connection.id,
        kind: action === 'pause' ? 'connection_paused' : 'connection_resumed',
        actorId: actor.userId,
        summary:
          (action === 'pause' ? 'Paused the sequence' : 'Resumed the sequence') + (note ? `: ${note}` : ''),
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
      return true;
    });
  };

  /**
   * A held email pauses its connection until the seller sends or cancels it; resuming by hand would only mark the
   * connection active while the sequence still waits for that email.
   */
  const waitsForHeldEmail = async (connection: ConnectionRow) =>
    connection.status === 'paused' &&
    (await heldEmailsOfConnection(deps.store.db, connection.org_id, connection.id)) > 0;

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
        if (action === 'resume' && (await waitsForHeldEmail(connection))) {
          throw new DomainError(
            'conflict',
            'held_email_pending',
            'The sequence waits for its held email: send or cancel it (Held emails), and it goes on by itself',
          );
        }
        if (!(await changeState(actor, connection, record.id, action, request.body?.note))) {
          throw new DomainError(
            'conflict',
            action === 'pause' ? 'connection_not_active' : 'connection_not_paused',
            action === 'pause'
              ? 'Only an active connection can be paused'
              : 'Only a paused connection can be resumed',
          );
        }
        return {
          connectionId: connection.id,
          status: action === 'pause' ? ('paused' as const) : ('active' as const),
        };
      },
    );

    app.post(
      `/api/connections/${action}`,
      {
        schema: {
          tags: ['connections'],
          summary:
            action === 'pause'
              ? 'Pause several connections with one reason (each one answered on its own)'
              : 'Resume several paused connections (each one answered on its own)',
          body: z.strictObject({
            connectionIds: RecordIdsSchema.max(INLINE_CONNECT_LIMIT),
            // A pause always says why; it is shown on the record and in the sequence's list.
            note:
              action === 'pause' ? z.string().trim().min(1).max(500) : z.string().trim().max(500).optional(),
          }),
          response: {
            200: z.object({
              changed: z.number(),
              results: z.array(
                z.object({
                  connectionId: z.string(),
                  status: z.enum([
                    'paused',
                    'resumed',
                    'not_active',
                    'not_paused',
                    'held_email_pending',
                    'not_found',
                    'forbidden',
                  ]),
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
        const ids = [...new Set(request.body.connectionIds)];
        const connections = await findConnections(deps.store.db, actor.orgId, ids);
        const records = new Map(
          (
            await findRecords(
              deps.store.db,
              actor.orgId,
              [...connections.values()].map((c) => c.record_id),
            )
          ).map((r) => [r.id, r]),
        );
        const results = [];
        for (const connectionId of ids) {
          const connection = connections.get(connectionId);
          const record = connection && records.get(connection.record_id);
          if (!connection || !record) {
            results.push({ connectionId, status: 'not_found' as const });
            continue;
          }
          const decision = await decideRecordFor(deps, actor, policy, 'act', record);
          if (!decision.allowed) {
            results.push({
              connectionId,
              status: decision.visible ? ('forbidden' as const) : ('not_found' as const),
            });
            continue;
          }
          if (action === 'resume' && (await waitsForHeldEmail(connection))) {
            results.push({ connectionId, status: 'held_email_pending' as const });
            continue;
          }
          const changed = await changeState(actor, connection, record.id, action, request.body.note);
          results.push({
            connectionId,
            status: changed
              ? action === 'pause'
                ? ('paused' as const)
                : ('resumed' as const)
              : action === 'pause'
                ? ('not_active' as const)
                : ('not_paused' as const),
          });
        }
        return {
          changed: results.filter((r) => r.status === 'paused' || r.status === 'resumed').length,
          results,
        };
      },
    );
  }
}
