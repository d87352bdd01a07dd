import type { RecordType } from './definition.ts';
import type { FieldDefinition } from './fields.ts';

/** What `validateDefinition` can report about a sequence, one code per kind of problem. */
export const VALIDATION_CODES = [
  'empty_sequence',
  'duplicate_node_id',
  'dangling_branch',
  'unreachable_node',
  'cycle',
  'wait_last',
  'wait_too_long',
  'condition_wrong_predecessor',
  'inspected_step_missing',
  'template_missing',
  'automated_email_without_template',
  'ab_split_not_100',
  'ab_variant_template_missing',
  'advance_target_missing',
  'advance_target_self',
  'advance_target_inactive',
  'advance_target_wrong_record_type',
  'advance_not_last',
  'advance_first',
  'field_unknown',
  'field_operator_mismatch',
  'field_value_mismatch',
  'field_not_settable',
  'stage_unknown',
  'email_result_unsupported',
] as const;
export type ValidationCode = (typeof VALIDATION_CODES)[number];

export interface ValidationProblem {
  code: ValidationCode;
  /** The node to highlight; null for problems of the whole sequence. */
  nodeId: string | null;
  message: string;
}

export interface ValidationContext {
  recordType: RecordType;
  /** The sequence being validated (advance-to-itself is refused); omit for a sequence not yet saved. */
  sequenceId?: string;
  /** Email templates that exist in the organisation. */
  templates: { id: string }[];
  /** Other sequences of the organisation, for "advance to another sequence". */
  sequences: { id: string; status: 'inactive' | 'active' | 'revision'; recordType: RecordType }[];
  /** The organisation's custom fields; core record fields are always known. */
  fields: (FieldDefinition & { recordType?: RecordType })[];
  /** Business-process stages, when the organisation keeps a list; undefined accepts any stage. */
  stages?: string[];
}

export const MAX_WAIT_HOURS = 30 * 24;
