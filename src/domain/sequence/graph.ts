import type { NodeKind, SequenceDefinition, SequenceNode } from './definition.ts';

export type EdgeLabel = 'next' | 'yes' | 'no';
export interface Edge {
  label: EdgeLabel;
  target: string | null;
}

export type NodeGroup = 'steps' | 'conditions' | 'commands' | 'linkedin';

/** What each node kind is, in one table; `satisfies` makes a new kind without an entry fail to compile. */
export const NODE_KINDS = {
  email: { group: 'steps', manual: true, email: true },
  automated_email: { group: 'steps', manual: false, email: true },
  phone_call: { group: 'steps', manual: true, email: false },
  task: { group: 'steps', manual: true, email: false },
  text_message: { group: 'steps', manual: true, email: false },
  wait: { group: 'steps', manual: false, email: false },
  condition_email: { group: 'conditions', manual: false, email: false },
  condition_call: { group: 'conditions', manual: false, email: false },
  condition_field: { group: 'conditions', manual: false, email: false },
  condition_stage: { group: 'conditions', manual: false, email: false },
  update_field: { group: 'commands', manual: false, email: false },
  advance_sequence: { group: 'commands', manual: false, email: false },
  linkedin_research: { group: 'linkedin', manual: true, email: false },
  linkedin_introduction: { group: 'linkedin', manual: true, email: false },
  linkedin_connect: { group: 'linkedin', manual: true, email: false },
  linkedin_inmail: { group: 'linkedin', manual: true, email: false },
} as const satisfies Record<NodeKind, { group: NodeGroup; manual: boolean; email: boolean }>;

export function isManualKind(kind: NodeKind): boolean {
  return NODE_KINDS[kind].manual;
}

export function isEmailKind(kind: NodeKind): boolean {
  return NODE_KINDS[kind].email;
}

export function isConditionKind(kind: NodeKind): boolean {
  return NODE_KINDS[kind].group === 'conditions';
}

/** Outgoing edges of a node, in display order. */
export function edgesOf(node: SequenceNode): Edge[] {
  if ('yes' in node) {
    return [
      { label: 'yes', target: node.yes },
      { label: 'no', target: node.no },
    ];
  }
  return [{ label: 'next', target: node.next }];
}

export function nodeIndex(definition: SequenceDefinition): Map<string, SequenceNode> {
  return new Map(definition.nodes.map((node) => [node.id, node]));
}

/** Node ids reachable from the start, in breadth-first order (stops at missing targets and revisits). */
export function reachableIds(definition: SequenceDefinition): string[] {
  const byId = nodeIndex(definition);
  const seen = new Set<string>();
  const queue = definition.start ? [definition.start] : [];
  while (queue.length > 0) {
    const id = queue.shift()!;
    const node = byId.get(id);
    if (!node || seen.has(id)) continue;
    seen.add(id);
    for (const edge of edgesOf(node)) if (edge.target) queue.push(edge.target);
  }
  return [...seen];
}

/** True when the definition contains an email step (connections then need an email address). */
export function hasEmailSteps(definition: SequenceDefinition): boolean {
  return definition.nodes.some((node) => isEmailKind(node.kind));
}

/** Steps a seller or the engine performs, i.e. everything but conditions; used for progress (done / total). */
export function countSteps(definition: SequenceDefinition): number {
  return definition.nodes.filter((node) => !isConditionKind(node.kind)).length;
}

export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(value)}`);
}
