import type { NodeKind } from '../sequence/definition.ts';
import { isManualKind, NODE_KINDS } from '../sequence/graph.ts';

/**
 * What a seller may do with a step instance. No dependencies beyond the graph, so the web app uses the same
 * rules as the step routes.
 */
export const STEP_ACTIONS = ['complete', 'skip', 'snooze', 'skip_wait', 'assign', 'read'] as const;
export type StepAction = (typeof STEP_ACTIONS)[number];

export const OPEN_STEP_STATUSES = ['upcoming', 'due', 'waiting'] as const;
export const MANUAL_KINDS = (Object.keys(NODE_KINDS) as NodeKind[]).filter((kind) => isManualKind(kind));

export function isKnownKind(kind: string): kind is NodeKind {
  return Object.hasOwn(NODE_KINDS, kind);
}

/** The actions a step allows in its current status; the step routes refuse anything else with 422. */
export function allowedStepActions(kind: string, status: string): StepAction[] {
  if (!isKnownKind(kind)) return [];
  if (kind === 'wait') return status === 'waiting' ? ['skip_wait'] : [];
  if (status !== 'due') return [];
  if (isManualKind(kind)) {
    // Every manual step can be snoozed from the work list and Up next (SPEC §5, §7), a task as much as a call.
    return ['complete', 'skip', 'snooze', 'assign', 'read'];
  }
  return [];
}

export type StepRefusal = 'step_not_open' | 'not_allowed_for_kind' | 'outcome_required';

/** Why `action` is refused on this step (null: allowed). Phone calls need an outcome to be completed. */
export function stepActionRefusal(
  action: StepAction,
  step: { kind: string; status: string },
  input: { outcome?: string | undefined } = {},
): StepRefusal | null {
  if (!(OPEN_STEP_STATUSES as readonly string[]).includes(step.status)) return 'step_not_open';
  if (!allowedStepActions(step.kind, step.status).includes(action)) return 'not_allowed_for_kind';
  if (action === 'complete' && step.kind === 'phone_call' && !input.outcome) return 'outcome_required';
  return null;
}
