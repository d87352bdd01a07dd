import { z } from 'zod';
import { matchesFieldRule } from '../fields/evaluate.ts';
import type { Actor } from '../identity.ts';
import {
  type Decision,
  decideSequence,
  type OrgPolicy,
  type SequenceRef,
} from '../permissions/permissions.ts';
import {
  type FieldRule,
  FieldRuleSchema,
  type FieldValue,
  RecordTypeSchema,
} from '../sequence/definition.ts';

/**
 * A segment: a rule on record fields that connects matching open records to a sequence automatically, whenever
 * a record is created or changed. When several segments match, the highest `priority` number wins (ties: the
 * oldest segment).
 */
export const SegmentInputSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  recordType: RecordTypeSchema,
  rule: FieldRuleSchema,
  priority: z.number().int().min(0).max(1_000_000),
  sequenceId: z.string().min(1).max(100),
  enabled: z.boolean().default(true),
});
export type SegmentInput = z.infer<typeof SegmentInputSchema>;

export const SegmentPatchSchema = SegmentInputSchema.partial().strict();

export interface SegmentCandidate {
  id: string;
  recordType: string;
  rule: FieldRule;
  priority: number;
  enabled: boolean;
  createdAt: number;
}

/** Enabled segments of the record's type whose rule matches, best first (priority desc, then oldest). */
export function matchingSegments<S extends SegmentCandidate>(
  segments: readonly S[],
  recordType: string,
  fields: Readonly<Record<string, FieldValue>>,
  knownFields: readonly string[] = [],
): S[] {
  return segments
    .filter((s) => s.enabled && s.recordType === recordType && matchesFieldRule(s.rule, fields, knownFields))
    .sort((a, b) => b.priority - a.priority || a.createdAt - b.createdAt);
}

/** Segments connect records across an organisation, so only sequence managers and admins manage them. */
export function mayManageSegments(actor: Actor): boolean {
  return actor.roles.includes('sequence_manager') || actor.roles.includes('admin');
}

export interface SegmentRef {
  ownerId: string;
  /** The sequence the segment connects records to; undefined when it no longer exists. */
  sequence: SequenceRef | undefined;
}

/**
 * A segment belongs with the sequence it connects records to: a sequence manager sees, changes and deletes it
 * only when they can see that sequence (the business-unit rule of the sequence list), so another unit's
 * segments stay out of reach (404, like their sequences). A segment whose sequence is gone stays with its
 * owner and admins.
 */
export function decideSegment(actor: Actor, policy: OrgPolicy, segment: SegmentRef): Decision {
  if (!mayManageSegments(actor)) {
    return {
      allowed: false,
      visible: false,
      permission: 'segment.manage',
      reason: 'Only sequence managers and admins manage segments',
    };
  }
  const visible =
    actor.roles.includes('admin') ||
    segment.ownerId === actor.userId ||
    (segment.sequence !== undefined && decideSequence(actor, policy, 'view', segment.sequence).allowed);
  return visible
    ? { allowed: true }
    : {
        allowed: false,
        visible: false,
        permission: 'segment.manage',
        reason: "The segment's sequence belongs to another business unit",
      };
}
