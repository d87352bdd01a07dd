import type { Actor } from '../identity.ts';
import { isWithinUnit, type OrgPolicy } from '../permissions/permissions.ts';

/**
 * Which records a caller may see, in a shape a query can filter on; the same rule as `decideRecord`'s
 * visibility: admins all, sales/sequence managers their business unit and everything below it (plus their own
 * records), everyone their own records.
 */
export type RecordScope =
  | { kind: 'all' }
  | { kind: 'owner'; userId: string }
  | { kind: 'units'; businessUnitIds: string[]; userId: string };

export function recordScopeFor(actor: Actor, policy: OrgPolicy): RecordScope {
  if (actor.roles.includes('admin')) return { kind: 'all' };
  if (actor.roles.includes('sales_manager') || actor.roles.includes('sequence_manager')) {
    const businessUnitIds = policy.businessUnits
      .filter((unit) => isWithinUnit(policy, actor.businessUnitId, unit.id))
      .map((unit) => unit.id);
    return { kind: 'units', businessUnitIds, userId: actor.userId };
  }
  return { kind: 'owner', userId: actor.userId };
}
