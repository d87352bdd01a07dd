import { z } from 'zod';
import { matchesFieldRule } from '../fields/evaluate.ts';
import type { Actor } from '../identity.ts';
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
