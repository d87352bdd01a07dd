import { z } from 'zod';
import { parseState } from '../../domain/engine/state.ts';
import { decideRecord, decideSequence } from '../../domain/permissions/permissions.ts';
import type { SequenceDefinition, SequenceNode } from '../../domain/sequence/definition.ts';
import { countSteps, isConditionKind, nodeIndex } from '../../domain/sequence/graph.ts';
import {
  allowedStepActions,
  daysSince,
  isKnownKind,
  OPEN_STEP_STATUSES,
  STEP_ACTIONS,
} from '../../domain/worklist/steps.ts';
import { findLiveConnection, loadDefinitions } from '../../store/repos/connections-repo.ts';
import type { ApiApp } from '../app.ts';
import { requireActor } from '../auth/authenticate.ts';
import { loadPolicy } from '../auth/guard.ts';
import type { AppDeps } from '../deps.ts';
import { ProblemSchema } from '../problems.ts';
import { loadRecordFor } from './connection-routes.ts';

const PreviewStepSchema = z.object({
  nodeId: z.string(),
  kind: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  /** A condition: the path after it depends on what happens, so the preview stops there. */
  branches: z.boolean(),
});

const UpNextSchema = z
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

const describe = (node: SequenceNode) => ({
  nodeId: node.id,
  kind: node.kind,
  name: node.name || node.kind,
  description: 'description' in node ? (node.description ?? null) : null,
  branches: isConditionKind(node.kind),
});

/** The steps after `fromId` along the only path there is, stopping at a condition (its branch is not known). */
export function previewPath(definition: SequenceDefinition, fromId: string | null, skipFirst: boolean) {
  const nodes = nodeIndex(definition);
  const out: z.infer<typeof PreviewStepSchema>[] = [];
  const seen = new Set<string>();
  let id = fromId;
  let first = true;
  while (id && !seen.has(id) && out.length < 50) {
    seen.add(id);
    const node = nodes.get(id);
    if (!node) break;
    if (!(first && skipFirst)) out.push(describe(node));
    first = false;
    if ('yes' in node) break;
    id = node.next;
  }
  return out;
}

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
      const now = deps.clock.now();
      const connection = await findLiveConnection(db, actor.orgId, record.id);
      if (!connection) {
        const policy = await loadPolicy(deps, request, actor.orgId);
        const mayConnect = decideRecord(actor, policy, 'connect', {
          ownerId: record.owner_id,
          businessUnitId: record.business_unit_id,
        }).allowed;
        const sequences = mayConnect
          ? await db
              .selectFrom('sequences')
              .select(['id', 'name', 'description', 'owner_id', 'business_unit_id'])
              .where('org_id', '=', actor.orgId)
              .where('record_type', '=', record.type)
              .where('status', 'in', ['active', 'revision'])
              .where('active_version_id', 'is not', null)
              .orderBy('name')
              .limit(500)
              .execute()
          : [];
        const shares =
          sequences.length > 0
            ? await db
                .selectFrom('sequence_shares')
                .select(['sequence_id', 'principal_id', 'principal_type'])
                .where('org_id', '=', actor.orgId)
                .where(
                  'sequence_id',
                  'in',
                  sequences.map((s) => s.id),
                )
                .execute()
            : [];
        const available = sequences.filter(
          (s) =>
            decideSequence(actor, policy, 'connect', {
              ownerId: s.owner_id,
              businessUnitId: s.business_unit_id,
              sharedWithUserIds: shares
                .filter((x) => x.sequence_id === s.id && x.principal_type === 'user')
                .map((x) => x.principal_id),
              sharedWithBusinessUnitIds: shares
                .filter((x) => x.sequence_id === s.id && x.principal_type === 'business_unit')
                .map((x) => x.principal_id),
            }).allowed,
        );
        return {
          connection: null,
          current: null,
          upcoming: [],
          completed: [],
          progress: null,
          availableSequences: available.map((s) => ({ id: s.id, name: s.name, description: s.description })),
        };
      }

      const [definitions, sequence, steps] = await Promise.all([
        loadDefinitions(db, actor.orgId, [connection.version_id]),
        db
          .selectFrom('sequences')
          .select(['id', 'name'])
          .where('org_id', '=', actor.orgId)
          .where('id', '=', connection.sequence_id)
          .executeTakeFirst(),
        db
          .selectFrom('step_instances as si')
          .leftJoin('users as u', (join) =>
            join.onRef('u.org_id', '=', 'si.org_id').onRef('u.id', '=', 'si.completed_by'),
          )
          .selectAll('si')
          .select('u.name as completed_by_name')
          .where('si.org_id', '=', actor.orgId)
          .where('si.connection_id', '=', connection.id)
          .orderBy('si.created_at')
          .orderBy('si.id')
          .execute(),
      ]);
      const versioned = definitions.get(connection.version_id);
      const definition = versioned?.definition ?? null;
      const nodes = definition ? nodeIndex(definition) : new Map<string, SequenceNode>();
      const state = parseState(connection.state_json);
      const open = steps.filter((s) => (OPEN_STEP_STATUSES as readonly string[]).includes(s.status));
      const currentStep = open.at(-1);
      const currentNode = currentStep ? nodes.get(currentStep.node_id) : undefined;
      const paused = connection.status === 'paused';
      const done = steps.filter(
        (s) =>
          (s.status === 'completed' || s.status === 'skipped') &&
          !(isKnownKind(s.kind) && isConditionKind(s.kind)),
      ).length;
      const currentNodeId = currentStep?.node_id ?? state.nodeId ?? connection.current_node_id;
      const upcoming = definition
        ? currentNodeId
          ? previewPath(definition, currentNodeId, true)
          : state.phase === 'new'
            ? previewPath(definition, definition.start, false)
            : []
        : [];
      return {
        connection: {
          id: connection.id,
          status: connection.status,
          sequence: { id: connection.sequence_id, name: sequence?.name ?? '' },
          versionId: connection.version_id,
          version: versioned?.version ?? null,
          connectedAt: connection.connected_at,
          blockedReason: state.phase === 'cannot_evaluate' ? state.blockedReason : null,
        },
        current: currentStep
          ? {
              stepId: currentStep.id,
              nodeId: currentStep.node_id,
              kind: currentStep.kind,
              name: currentStep.name,
              description:
                currentNode && 'description' in currentNode ? (currentNode.description ?? null) : null,
              status: currentStep.status,
              dueAt: currentStep.due_at,
              ownerId: currentStep.owner_id,
              actions: paused ? [] : allowedStepActions(currentStep.kind, currentStep.status),
            }
          : null,
        upcoming,
        completed: steps
          .filter((s) => !(OPEN_STEP_STATUSES as readonly string[]).includes(s.status))
          .sort(
            (a, b) =>
              (a.completed_at ?? a.updated_at) - (b.completed_at ?? b.updated_at) ||
              a.created_at - b.created_at ||
              (a.id < b.id ? -1 : 1),
          )
          .map((s) => ({
            stepId: s.id,
            nodeId: s.node_id,
            kind: s.kind,
            name: s.name,
            status: s.status,
            at: s.completed_at ?? s.updated_at,
            outcome: s.outcome,
            note: s.note,
            by: s.completed_by ? { id: s.completed_by, name: s.completed_by_name ?? null } : null,
          })),
        progress: {
          done,
          total: definition ? countSteps(definition) : 0,
          daysInStep: currentStep ? daysSince(currentStep.created_at, now) : null,
        },
        availableSequences: [],
      };
    },
  );
}
