import { z } from 'zod';

/**
 * The sequence definition: a graph of nodes with explicit outgoing edges. This zod schema is the single source
 * of truth for the TypeScript types, the API's request/response schemas and the JSON export format.
 *
 * The fixed first node "Sequence starts here" is the definition's `start` pointer; every other node is one of
 * the kinds below. `next`, `yes` and `no` name the following node, or null where the path ends.
 * The schema accepts unfinished graphs (a designer saves drafts); `validateDefinition` reports what must be fixed
 * before activation.
 */

export const RECORD_TYPES = ['lead', 'contact', 'account', 'opportunity'] as const;
export const RecordTypeSchema = z.enum(RECORD_TYPES);
export type RecordType = z.infer<typeof RecordTypeSchema>;

export const NodeIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'Use letters, digits, "-" and "_" only');
const NextSchema = NodeIdSchema.nullable();

const nameField = z.string().trim().max(200).optional();
const descriptionField = z.string().max(4000).optional();

export const DurationSchema = z.strictObject({
  days: z.number().int().min(0).max(365),
  hours: z.number().int().min(0).max(23),
});
export type Duration = z.infer<typeof DurationSchema>;

export const AbVariantSchema = z.strictObject({
  id: z.string().min(1).max(8),
  templateId: z.string().min(1).nullable(),
  split: z.number().int().min(0).max(100),
});

export const AbTestSchema = z.strictObject({
  variants: z.array(AbVariantSchema).min(2).max(5),
  winnerMetric: z.enum(['opens', 'clicks', 'replies']),
  end: z.discriminatedUnion('type', [
    /** Pick the winner once every variant has reached `minRecipients` sends; later records get the winner. */
    z.strictObject({ type: z.literal('auto'), minRecipients: z.number().int().min(1).max(100_000) }),
    z.strictObject({ type: z.literal('date'), at: z.iso.datetime({ offset: true }) }),
  ]),
});
export type AbTest = z.infer<typeof AbTestSchema>;

// ── Steps ─────────────────────────────────────────────────────────────────────────────────────────────────
const manualEmailNode = z.strictObject({
  id: NodeIdSchema,
  kind: z.literal('email'),
  name: nameField,
  description: descriptionField,
  templateId: z.string().min(1).nullable().optional(),
  abTest: AbTestSchema.optional(),
  next: NextSchema,
});
const automatedEmailNode = z.strictObject({
  id: NodeIdSchema,
  kind: z.literal('automated_email'),
  name: nameField,
  description: descriptionField,
  templateId: z.string().min(1).nullable(),
  abTest: AbTestSchema.optional(),
  /** Overrides the sequence's schedule for this email (a schedule id). */
  scheduleId: z.string().min(1).max(64).nullable().optional(),
  next: NextSchema,
});
function manualStep<K extends string>(kind: K) {
  return z.strictObject({
    id: NodeIdSchema,
    kind: z.literal(kind),
    name: nameField,
    description: descriptionField,
    next: NextSchema,
  });
}
const waitNode = z.strictObject({
  id: NodeIdSchema,
  kind: z.literal('wait'),
  name: nameField,
  days: z.number().int().min(0).max(365),
  hours: z.number().int().min(0).max(23),
  next: NextSchema,
});

// ── Conditions ────────────────────────────────────────────────────────────────────────────────────────────
/**
 * Email results a definition may name. `attachment_downloaded` is still read so old definitions load, but
 * nothing produces it (Stepwise does not host attachments): validation refuses it (`email_result_unsupported`)
 * and the designer and API offer only `OFFERED_EMAIL_RESULTS`.
 */
export const EMAIL_RESULTS = ['opened', 'replied', 'link_clicked', 'attachment_downloaded'] as const;
export type EmailResult = (typeof EMAIL_RESULTS)[number];
export const OFFERED_EMAIL_RESULTS = [
  'opened',
  'replied',
  'link_clicked',
] as const satisfies readonly EmailResult[];
export const UNSUPPORTED_EMAIL_RESULTS: readonly EmailResult[] = EMAIL_RESULTS.filter(
  (r) => !(OFFERED_EMAIL_RESULTS as readonly string[]).includes(r),
);
export const CALL_OUTCOMES = ['connected', 'left_voicemail', 'no_answer', 'busy', 'wrong_number'] as const;
export const CallOutcomeSchema = z.enum(CALL_OUTCOMES);
export type CallOutcome = z.infer<typeof CallOutcomeSchema>;

const emailConditionNode = z.strictObject({
  id: NodeIdSchema,
  kind: z.literal('condition_email'),
  name: nameField,
  /** The email step whose results this condition reads. */
  inspects: NodeIdSchema,
  results: z.array(z.enum(EMAIL_RESULTS)).min(1),
  combine: z.enum(['all', 'any']),
  timeLimit: DurationSchema,
  /** Move to Yes as soon as the result is seen, instead of when the time limit ends. */
  moveWhenSeen: z.boolean(),
  yes: NextSchema,
  no: NextSchema,
});
const callConditionNode = z.strictObject({
  id: NodeIdSchema,
  kind: z.literal('condition_call'),
  name: nameField,
  inspects: NodeIdSchema,
  outcomes: z.array(CallOutcomeSchema).min(1),
  yes: NextSchema,
  no: NextSchema,
});

export const FIELD_OPERATORS = [
  'eq',
  'ne',
  'gt',
  'gte',
  'lt',
  'lte',
  'contains',
  'not_contains',
  'begins_with',
  'in',
  'not_in',
  'is_empty',
  'is_not_empty',
] as const;
export type FieldOperator = (typeof FIELD_OPERATORS)[number];
export const FieldValueSchema = z.union([
  z.string().max(1000),
  z.number(),
  z.boolean(),
  z.array(z.string().max(1000)).max(100),
  z.null(),
]);
export type FieldValue = z.infer<typeof FieldValueSchema>;

export const FieldConditionSchema = z.strictObject({
  field: z.string().min(1).max(100),
  operator: z.enum(FIELD_OPERATORS),
  value: FieldValueSchema.optional(),
});
export type FieldCondition = z.infer<typeof FieldConditionSchema>;

/** AND/OR groups, as in Dynamics: the rule combines groups, each group combines conditions. */
export const FieldRuleSchema = z.strictObject({
  combine: z.enum(['and', 'or']),
  groups: z
    .array(
      z.strictObject({
        combine: z.enum(['and', 'or']),
        conditions: z.array(FieldConditionSchema).min(1).max(50),
      }),
    )
    .min(1)
    .max(20),
});
export type FieldRule = z.infer<typeof FieldRuleSchema>;

const fieldConditionNode = z.strictObject({
  id: NodeIdSchema,
  kind: z.literal('condition_field'),
  name: nameField,
  rule: FieldRuleSchema,
  yes: NextSchema,
  no: NextSchema,
});
const stageConditionNode = z.strictObject({
  id: NodeIdSchema,
  kind: z.literal('condition_stage'),
  name: nameField,
  stages: z.array(z.string().min(1).max(100)).min(1),
  yes: NextSchema,
  no: NextSchema,
});

// ── Commands ──────────────────────────────────────────────────────────────────────────────────────────────
const updateFieldNode = z.strictObject({
  id: NodeIdSchema,
  kind: z.literal('update_field'),
  name: nameField,
  field: z.string().min(1).max(100),
  value: z.union([z.string().max(1000), z.boolean()]),
  next: NextSchema,
});
const advanceSequenceNode = z.strictObject({
  id: NodeIdSchema,
  kind: z.literal('advance_sequence'),
  name: nameField,
  sequenceId: z.string().min(1).nullable(),
  /** Always null in a valid graph: nothing may follow "advance to another sequence". */
  next: NextSchema,
});

export const NodeSchema = z.discriminatedUnion('kind', [
  manualEmailNode,
  automatedEmailNode,
  manualStep('phone_call'),
  manualStep('task'),
  manualStep('text_message'),
  waitNode,
  emailConditionNode,
  callConditionNode,
  fieldConditionNode,
  stageConditionNode,
  updateFieldNode,
  advanceSequenceNode,
  manualStep('linkedin_research'),
  manualStep('linkedin_introduction'),
  manualStep('linkedin_connect'),
  manualStep('linkedin_inmail'),
]);
export type SequenceNode = z.infer<typeof NodeSchema>;
export type NodeKind = SequenceNode['kind'];
export type NodeOfKind<K extends NodeKind> = Extract<SequenceNode, { kind: K }>;

export const TimeOfDaySchema = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'Use HH:MM, 24-hour');

export const SequenceOptionsSchema = z.strictObject({
  exitOnReply: z.boolean().default(true),
  skipNonWorkingDays: z.boolean().default(false),
  /** Deprecated: a daily window on every day; migrated into schedules. Use `scheduleId`. */
  sendWindow: z.strictObject({ from: TimeOfDaySchema, to: TimeOfDaySchema }).nullable().default(null),
  /** The schedule automated emails are sent in; null: the organisation's default schedule (if any). */
  scheduleId: z.string().min(1).max(64).nullable().optional(),
  trackOpens: z.boolean().default(true),
  trackClicks: z.boolean().default(true),
});
export type SequenceOptions = z.infer<typeof SequenceOptionsSchema>;

export const SequenceDefinitionSchema = z.strictObject({
  /** The node after "Sequence starts here"; null for an empty sequence. */
  start: NextSchema,
  nodes: z.array(NodeSchema).max(200),
  options: SequenceOptionsSchema.default({
    exitOnReply: true,
    skipNonWorkingDays: false,
    sendWindow: null,
    trackOpens: true,
    trackClicks: true,
  }),
});
export type SequenceDefinition = z.infer<typeof SequenceDefinitionSchema>;

export const EMPTY_DEFINITION: SequenceDefinition = SequenceDefinitionSchema.parse({
  start: null,
  nodes: [],
});
