import type { Actor } from '../identity.ts';
import {
  type BusinessUnitNode,
  decideSequence,
  featureOpenTo,
  isWithinUnit,
  type OrgPolicy,
  type Principal,
  type SequenceRef,
} from '../permissions/permissions.ts';
import type { RecordType } from './definition.ts';
import type { SequenceStatus } from './lifecycle.ts';

/**
 * The sequence list filter in SQL terms, mirroring `decideSequence(…, 'view', …)`: admins see everything; others
 * see their own, those of their business unit (managers: of every unit below theirs too) and those shared with
 * them or with a unit they belong to.
 */
export interface SequenceVisibility {
  all: boolean;
  userId: string;
  businessUnitIds: string[];
  /** Units whose shares reach the actor: their own unit and every unit above it. */
  shareUnitIds: string[];
}

export function sequenceVisibility(actor: Actor, policy: OrgPolicy): SequenceVisibility {
  const manager = actor.roles.some((role) => role === 'sequence_manager' || role === 'sales_manager');
  const units = policy.businessUnits.map((unit) => unit.id);
  const businessUnitIds = manager
    ? units.filter((unit) => isWithinUnit(policy, actor.businessUnitId, unit))
    : [actor.businessUnitId];
  if (!businessUnitIds.includes(actor.businessUnitId)) businessUnitIds.push(actor.businessUnitId);
  return {
    all: actor.roles.includes('admin'),
    userId: actor.userId,
    businessUnitIds,
    shareUnitIds: units.filter((unit) => isWithinUnit(policy, unit, actor.businessUnitId)),
  };
}

/**
 * `decideSequence(…, 'connect', …)` in SQL terms: the visibility scope, or null when the sequences feature is
 * closed to the actor's roles (then no sequence may be connected to).
 */
export function sequenceConnectScope(actor: Actor, policy: OrgPolicy): SequenceVisibility | null {
  return featureOpenTo(actor, policy) ? sequenceVisibility(actor, policy) : null;
}

export type { Principal };

/** A sequence with what visibility and "advance to another sequence" decisions read. */
export interface AccessibleSequence extends SequenceRef {
  id: string;
  status: SequenceStatus;
  recordType: RecordType;
  activeVersionId: string | null;
}

/** Whether `principal` may see the sequence (the same rule as the sequence list and `GET /api/sequences/:id`). */
export function sequenceVisibleTo(
  principal: Principal,
  businessUnits: readonly BusinessUnitNode[],
  sequence: SequenceRef,
): boolean {
  const policy: OrgPolicy = { businessUnits: [...businessUnits], featureRoles: null };
  return decideSequence(principal, policy, 'view', sequence).allowed;
}

/**
 * The sequences an "advance to another sequence" step may name: those every principal can see — the owner of
 * the sequence being edited and, when someone else edits it, the editor too. Anything else is treated exactly
 * like a sequence that does not exist, so validation does not reveal other units' sequences.
 */
export function advanceCandidates<S extends SequenceRef>(
  sequences: readonly S[],
  principals: readonly Principal[],
  businessUnits: readonly BusinessUnitNode[],
): S[] {
  return sequences.filter((s) => principals.every((p) => sequenceVisibleTo(p, businessUnits, s)));
}
