import type { SequenceDefinition } from './definition.ts';

/**
 * A step can be deleted only when no condition reads its results (SPEC §2): delete the conditions first.
 */
export function canDeleteNode(
  definition: SequenceDefinition,
  nodeId: string,
): { allowed: boolean; blockingConditionIds: string[] } {
  const blocking = definition.nodes
    .filter(
      (node) =>
        (node.kind === 'condition_email' || node.kind === 'condition_call') && node.inspects === nodeId,
    )
    .map((node) => node.id);
  return { allowed: blocking.length === 0, blockingConditionIds: blocking };
}
