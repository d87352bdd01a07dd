import type { SequenceDefinition } from './definition.ts';
import { nodeChecker } from './validate-node.ts';
import { checkStructure } from './validate-structure.ts';
import type { ValidationCode, ValidationContext, ValidationProblem } from './validation-types.ts';

export { canDeleteNode } from './can-delete-node.ts';
export { describeNode, kindLabel } from './describe-node.ts';
export {
  MAX_WAIT_HOURS,
  VALIDATION_CODES,
  type ValidationCode,
  type ValidationContext,
  type ValidationProblem,
} from './validation-types.ts';

/**
 * Everything that must be fixed before a sequence can be activated, found in one pass: the designer shows all
 * problems at once, each pinned to its node. Pure: the caller passes what lives in the database (templates,
 * other sequences, field definitions) in `context`.
 */
export function validateDefinition(
  definition: SequenceDefinition,
  context: ValidationContext,
): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const add = (code: ValidationCode, nodeId: string | null, message: string) =>
    problems.push({ code, nodeId, message });
  const graph = checkStructure(definition, add);
  const checkNode = nodeChecker(definition, context, graph, add);
  for (const node of definition.nodes) {
    if (graph.byId.get(node.id) !== node) continue;
    checkNode(node);
  }
  return problems;
}
