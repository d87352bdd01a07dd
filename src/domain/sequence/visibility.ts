import type { Actor } from '../identity.ts';
import { isWithinUnit, type OrgPolicy } from '../permissions/permissions.ts';

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
