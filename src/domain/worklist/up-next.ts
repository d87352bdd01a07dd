import { parseState } from '../engine/state.ts';
import type { SequenceDefinition, SequenceNode } from '../sequence/definition.ts';
import { countSteps, isConditionKind, nodeIndex } from '../sequence/graph.ts';
import { allowedStepActions, daysSince, isKnownKind, OPEN_STEP_STATUSES, type StepAction } from './steps.ts';

/**
 * "Up next" for a connected record, as the seller sees it: the current step and its actions, the steps ahead
 * (until a condition), the steps done and the progress. Pure: the caller loads the rows.
 */

export interface PreviewStep {
  nodeId: string;
  kind: string;
  name: string;
  description: string | null;
  /** A condition: the path after it depends on what happens, so the preview stops there. */
  branches: boolean;
}

export interface UpNextConnection {
  id: string;
  status: string;
  sequence_id: string;
  version_id: string;
  connected_at: number;
  state_json: string;
  current_node_id: string | null;
}

export interface UpNextStepRow {
  id: string;
  node_id: string;
  kind: string;
  name: string;
  status: string;
  due_at: number | null;
  owner_id: string;
  created_at: number;
  updated_at: number;
  completed_at: number | null;
  completed_by: string | null;
  completed_by_name: string | null;
  outcome: string | null;
  note: string | null;
}

export interface UpNextInput {
  connection: UpNextConnection;
  sequenceName: string;
  definition: SequenceDefinition | null;
  version: number | null;
  steps: readonly UpNextStepRow[];
  now: number;
}

const describe = (node: SequenceNode): PreviewStep => ({
  nodeId: node.id,
  kind: node.kind,
  name: node.name || node.kind,
  description: 'description' in node ? (node.description ?? null) : null,
  branches: isConditionKind(node.kind),
});

/** The steps after `fromId` along the only path there is, stopping at a condition (its branch is not known). */
export function previewPath(definition: SequenceDefinition, fromId: string | null, skipFirst: boolean) {
  const nodes = nodeIndex(definition);
  const out: PreviewStep[] = [];
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

const isOpen = (status: string) => (OPEN_STEP_STATUSES as readonly string[]).includes(status);

export function buildUpNext({ connection, sequenceName, definition, version, steps, now }: UpNextInput) {
  const nodes = definition ? nodeIndex(definition) : new Map<string, SequenceNode>();
  const state = parseState(connection.state_json);
  const currentStep = steps.filter((s) => isOpen(s.status)).at(-1);
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
  const actions: StepAction[] =
    currentStep && !paused ? allowedStepActions(currentStep.kind, currentStep.status) : [];
  return {
    connection: {
      id: connection.id,
      status: connection.status,
      sequence: { id: connection.sequence_id, name: sequenceName },
      versionId: connection.version_id,
      version,
      connectedAt: connection.connected_at,
      blockedReason: state.phase === 'cannot_evaluate' ? state.blockedReason : null,
    },
    current: currentStep
      ? {
          stepId: currentStep.id,
          nodeId: currentStep.node_id,
          kind: currentStep.kind,
          name: currentStep.name,
          description: currentNode && 'description' in currentNode ? (currentNode.description ?? null) : null,
          status: currentStep.status,
          dueAt: currentStep.due_at,
          ownerId: currentStep.owner_id,
          actions,
        }
      : null,
    upcoming,
    completed: steps
      .filter((s) => !isOpen(s.status))
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
    availableSequences: [] as { id: string; name: string; description: string }[],
  };
}
