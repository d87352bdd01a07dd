import { z } from 'zod';
import { decideRecord } from '../../domain/permissions/permissions.ts';
import { sequenceConnectScope } from '../../domain/sequence/visibility.ts';
import { STEP_ACTIONS } from '../../domain/worklist/steps.ts';
import { buildUpNext } from '../../domain/worklist/up-next.ts';
import { pauseNotesOf } from '../../store/connections/pause-notes.ts';
import { listConnectableSequences } from '../../store/queries/connectable-sequences.ts';
import { sequenceName } from '../../store/queries/directory-lookups.ts';
import { stepsOfConnection } from '../../store/queries/step-instances.ts';
import { findLiveConnection, loadDefinitions } from '../../store/repos/connections-repo.ts';
import type { ApiApp } from '../app.ts';
import { requireActor } from '../auth/authenticate.ts';
import { loadPolicy } from '../auth/guard.ts';
import type { AppDeps } from '../deps.ts';
import { ProblemSchema } from '../problems.ts';
import { loadRecordFor, PauseInfoSchema } from './connection-route-support.ts';

const NOT_CONNECTED = { connection: null, current: null, upcoming: [], completed: [], progress: null };

const PreviewStepSchema = z.object({
  nodeId: z.string(),
  kind: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  /** A condition: the path after it depends on what happens, so the preview stops there. */
  branches: z.boolean(),
});

export const UpNextSchema = z
  .object({
    connection: z
      .object({
        id: z.string(),
        status: z.string(),
        sequence: z.object({ id: z.string(), name: z.string() }),
        versionId: z.string(),
        version: z.number().nullable(),
        connectedAt: z.number(),
        /** Set when a field condition cannot be evaluated (names a field that does not exist). */
        blockedReason: z.string().nullable(),
        /** Set while paused with a seller's reason. */
        pause: PauseInfoSchema.nullable(),
      })
      .nullable(),
    current: z
      .object({
        stepId: z.string(),
        nodeId: z.string(),
        kind: z.string(),
        name: z.string(),
        description: z.string().nullable(),
        status: z.string(),
        dueAt: z.number().nullable(),
        ownerId: z.string(),
        actions: z.array(z.enum(STEP_ACTIONS)),
      })
      .nullable(),
    upcoming: z.array(PreviewStepSchema),
    completed: z.array(
      z.object({
        stepId: z.string(),
        nodeId: z.string(),
        kind: z.string(),
        name: z.string(),
        status: z.string(),
        at: z.number().nullable(),
        outcome: z.string().nullable(),
        note: z.string().nullable(),
        by: z.object({ id: z.string(), name: z.string().nullable() }).nullable(),
      }),
    ),
    progress: z.object({ done: z.number(), total: z.number(), daysInStep: z.number().nullable() }).nullable(),
    /** When not connected: the active sequences of the record's type the caller may connect it to. */
    availableSequences: z.array(z.object({ id: z.string(), name: z.string(), description: z.string() })),
  })
  .meta({ id: 'UpNext' });

export async function upNextRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  app.get(
    '/api/records/:id/up-next',
    {
      schema: {
        tags: ['worklist'],
        summary: 'Up next: the current step and its actions, what comes next, what is done, progress',
        params: z.object({ id: z.string().min(1).max(100) }),
        response: { 200: UpNextSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const record = await loadRecordFor(deps, request, actor, request.params.id, 'view');
      const db = deps.store.db;
      const connection = await findLiveConnection(db, actor.orgId, record.id);
      if (!connection) {
        const policy = await loadPolicy(deps, request, actor.orgId);
        const mayConnect = decideRecord(actor, policy, 'connect', {
          ownerId: record.owner_id,
          businessUnitId: record.business_unit_id,
        }).allowed;
        const scope = mayConnect ? sequenceConnectScope(actor, policy) : null;
        return {
          ...NOT_CONNECTED,
          availableSequences: scope
            ? await listConnectableSequences(db, actor.orgId, record.type, scope)
            : [],
        };
      }
      const [definitions, name, steps, pauses] = await Promise.all([
        loadDefinitions(db, actor.orgId, [connection.version_id]),
        sequenceName(db, actor.orgId, connection.sequence_id),
        stepsOfConnection(db, actor.orgId, connection.id),
        connection.status === 'paused'
          ? pauseNotesOf(db, actor.orgId, [{ id: connection.id, recordId: record.id }])
          : null,
      ]);
      const versioned = definitions.get(connection.version_id);
      const upNext = buildUpNext({
        connection,
        sequenceName: name ?? '',
        definition: versioned?.definition ?? null,
        version: versioned?.version ?? null,
        steps,
        now: deps.clock.now(),
      });
      return {
        ...upNext,
        connection: upNext.connection && { ...upNext.connection, pause: pauses?.get(connection.id) ?? null },
      };
    },
  );
}
