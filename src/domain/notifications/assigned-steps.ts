import type { Effect } from '../engine/effects.ts';
import { isManualKind } from '../sequence/graph.ts';

export interface AssignedStep {
  nodeId: string;
  name: string;
  ownerId: string;
  /** The colleague who handed it over; null when the sequence put it in the work list. */
  assignedBy: string | null;
}

/**
 * Which manual steps of one advance became someone's work: a manual step now `due` for its owner (the sequence
 * reached it, or a colleague assigned it). Not when the owner did it themselves (completing the previous step,
 * snoozing, taking a step, connecting the record): they are looking at it already. Pure.
 */
export function assignedSteps(
  effects: readonly Effect[],
  connectionOwnerId: string,
  /** Users acting in this advance besides the timeline's actors (who connected the record, for `connected`). */
  alsoActing: readonly string[] = [],
): AssignedStep[] {
  const actors = new Set<string>(alsoActing);
  let assignedBy: string | null = null;
  for (const effect of effects) {
    if (effect.type !== 'timeline' || effect.actorId === null) continue;
    actors.add(effect.actorId);
    if (effect.kind === 'step_assigned') assignedBy = effect.actorId;
  }
  const out: AssignedStep[] = [];
  for (const effect of effects) {
    if (effect.type !== 'step' || effect.step.status !== 'due' || !isManualKind(effect.step.kind)) continue;
    const ownerId = effect.step.ownerId ?? connectionOwnerId;
    if (actors.has(ownerId)) continue;
    out.push({ nodeId: effect.step.nodeId, name: effect.step.name, ownerId, assignedBy });
  }
  return out;
}
