import { z } from 'zod';
import { EmailSchema, TimeZoneSchema } from '../identity.ts';
import { RECORD_TYPES, type RecordType } from '../sequence/definition.ts';

/**
 * Records: the CRM rows Stepwise stores itself (lead, contact, account, opportunity). These schemas validate
 * what the API and the CSV import accept; stored rows keep the column names of `records`.
 */

export const RECORD_STATUSES = ['open', 'qualified', 'disqualified', 'won', 'lost'] as const;
export type RecordStatus = (typeof RECORD_STATUSES)[number];
export const RecordStatusSchema = z.enum(RECORD_STATUSES);

/** Which statuses each record type uses: leads are qualified or disqualified, opportunities won or lost. */
export const STATUSES_BY_TYPE: Record<RecordType, readonly RecordStatus[]> = {
  lead: ['open', 'qualified', 'disqualified'],
  contact: ['open', 'disqualified'],
  account: ['open', 'disqualified'],
  opportunity: ['open', 'won', 'lost'],
};

/** A record is closed (and leaves its sequence) in any status but open. */
export const isClosedStatus = (status: RecordStatus): boolean => status !== 'open';

/**
 * Status changes: a record may close with a status its type uses and may be reopened; moving straight from one
 * closed status to another (won → lost) is refused, so a closing decision is never silently replaced.
 */
export function statusChangeProblem(
  type: RecordType,
  from: RecordStatus | null,
  to: RecordStatus,
): string | null {
  if (!STATUSES_BY_TYPE[type].includes(to)) {
    return `A ${type} can be ${STATUSES_BY_TYPE[type].join(', ')}; not ${to}`;
  }
  if (from !== null && from !== to && isClosedStatus(from) && isClosedStatus(to)) {
    return `The record is ${from}; reopen it before marking it ${to}`;
  }
  return null;
}

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .transform((value) => (value === '' ? null : value))
    .nullable()
    .optional();

const PhoneSchema = z
  .string()
  .trim()
  .max(40)
  .regex(
    /^[+()\d\s./-]*(?:\s*(?:x|ext\.?)\s*\d+)?$/i,
    'Use digits, spaces, +, (), - and an optional extension',
  )
  .transform((value) => (value === '' ? null : value))
  .nullable()
  .optional();

const CustomInputSchema = z
  .record(z.string().max(64), z.union([z.string().max(4000), z.number(), z.boolean(), z.null()]))
  .refine((values) => Object.keys(values).length <= 200, 'At most 200 custom fields');

/** Core fields shared by create and update. */
const coreFields = {
  name: z.string().trim().min(1, 'Give the record a name').max(300).optional(),
  firstName: optionalText(100),
  lastName: optionalText(100),
  company: optionalText(300),
  jobTitle: optionalText(200),
  email: z
    .union([EmailSchema, z.literal('').transform(() => null)])
    .nullable()
    .optional(),
  phoneBusiness: PhoneSchema,
  phoneMobile: PhoneSchema,
  timeZone: TimeZoneSchema.nullable().optional(),
  status: RecordStatusSchema.optional(),
  stage: optionalText(100),
  ownerId: z.string().min(1).max(64).optional(),
  doNotEmail: z.boolean().optional(),
  doNotCall: z.boolean().optional(),
  custom: CustomInputSchema.optional(),
};

export const RecordCreateSchema = z
  .strictObject({ type: z.enum(RECORD_TYPES), ...coreFields })
  .superRefine((input, ctx) => {
    if (!input.name && !input.firstName && !input.lastName) {
      ctx.addIssue({
        code: 'custom',
        path: ['name'],
        message: 'Give the record a name (or a first/last name)',
      });
    }
  })
  .meta({ id: 'RecordCreate' });
export type RecordCreate = z.infer<typeof RecordCreateSchema>;

export const RecordPatchSchema = z
  .strictObject({
    ...coreFields,
    name: z.string().trim().min(1, 'The name cannot be empty').max(300).optional(),
  })
  .meta({ id: 'RecordPatch' });
export type RecordPatch = z.infer<typeof RecordPatchSchema>;

/** The display name: the given name, else first + last. */
export function displayName(input: {
  name?: string | null;
  firstName?: string | null;
  lastName?: string | null;
}) {
  if (input.name) return input.name;
  return [input.firstName, input.lastName].filter(Boolean).join(' ').trim();
}
