import type { SequenceDefinition, SequenceNode } from './definition.ts';
import { describeNode } from './describe-node.ts';
import { edgesOf, reachableIds } from './graph.ts';
import { cycleNodes } from './graph-walks.ts';
import type { ValidationCode } from './validation-types.ts';

export type AddProblem = (code: ValidationCode, nodeId: string | null, message: string) => void;

/**
 * The checks of the graph as a whole: not empty, unique ids, no dangling edge, everything reachable, no loop,
 * no advance first. Returns the nodes by id (first of each id) and the ids reachable from the start, which the
 * per-node checks need.
 */
export function checkStructure(
  definition: SequenceDefinition,
  add: AddProblem,
): { byId: Map<string, SequenceNode>; reachable: Set<string> } {
  if (definition.start === null || definition.nodes.length === 0) {
    add(
      'empty_sequence',
      null,
      'The sequence has no steps yet. Add at least one step after "Sequence starts here".',
    );
  }

  const byId = new Map<string, SequenceNode>();
  for (const node of definition.nodes) {
    if (byId.has(node.id)) {
      add('duplicate_node_id', node.id, `Two steps share the id "${node.id}". Give each step its own id.`);
    } else byId.set(node.id, node);
  }

  if (definition.start !== null && !byId.has(definition.start)) {
    add(
      'dangling_branch',
      null,
      '"Sequence starts here" points to a step that no longer exists. Connect it to a step.',
    );
  }
  for (const node of definition.nodes) {
    for (const edge of edgesOf(node)) {
      if (edge.target !== null && !byId.has(edge.target)) {
        const branch =
          edge.label === 'next' ? 'The path after' : `The ${edge.label === 'yes' ? 'Yes' : 'No'} branch of`;
        add(
          'dangling_branch',
          node.id,
          `${branch} ${describeNode(node).replace(/^The /, 'the ')} leads to a step that no longer exists. Connect it to a step or end it.`,
        );
      }
    }
  }

  const reachable = new Set(reachableIds(definition));
  for (const node of definition.nodes) {
    if (!reachable.has(node.id) && byId.get(node.id) === node) {
      add(
        'unreachable_node',
        node.id,
        `${describeNode(node)} cannot be reached from "Sequence starts here". Connect it or delete it.`,
      );
    }
  }

  for (const id of cycleNodes(definition)) {
    add(
      'cycle',
      id,
      `${describeNode(byId.get(id)!)} is part of a loop. A sequence must always move forward; remove the connection that leads back.`,
    );
  }

  if (definition.start !== null) {
    const first = byId.get(definition.start);
    if (first?.kind === 'advance_sequence') {
      add(
        'advance_first',
        first.id,
        '"Advance to another sequence" cannot be the first step. Add a step before it.',
      );
    }
  }
  return { byId, reachable };
}
