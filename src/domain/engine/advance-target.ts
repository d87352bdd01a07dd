import type { BusinessUnitNode, Principal } from '../permissions/permissions.ts';
import { type AccessibleSequence, sequenceVisibleTo } from '../sequence/visibility.ts';

/**
 * Where an "advance to another sequence" step may take a record: the target's active version, or why not.
 * `advance_target_not_visible` covers a target that does not exist as well as one in a business unit the owner of
 * the running sequence cannot see, so the end reason does not reveal which.
 */
export type AdvanceTarget =
  | { kind: 'ready'; versionId: string }
  | { kind: 'refused'; reason: 'advance_target_inactive' | 'advance_target_not_visible' };

/**
 * Decides the target for a record of `recordType` running a sequence owned by `sourceOwner` (undefined when that
 * user no longer exists: nothing is visible then). Visibility is checked first, so an invisible sequence's status
 * or record type is never disclosed.
 */
export function resolveAdvanceTarget(
  target: AccessibleSequence | undefined,
  recordType: string,
  sourceOwner: Principal | undefined,
  businessUnits: readonly BusinessUnitNode[],
): AdvanceTarget {
  if (!target || !sourceOwner || !sequenceVisibleTo(sourceOwner, businessUnits, target)) {
    return { kind: 'refused', reason: 'advance_target_not_visible' };
  }
  if (target.status === 'inactive' || !target.activeVersionId || target.recordType !== recordType) {
    return { kind: 'refused', reason: 'advance_target_inactive' };
  }
  return { kind: 'ready', versionId: target.activeVersionId };
}
