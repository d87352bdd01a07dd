import type { $ZodIssueCode } from 'zod/v4/core';
import type { ErrorCode } from './error-codes.ts';
import { VALIDATION_CODES, type ValidationCode } from './sequence/validation-types.ts';

/**
 * Every `problems[].code` of a problem+json answer: one entry per field or node that is wrong. A closed list like
 * `ERROR_CODES`, so integrations can branch on it and the web app has a message for each in every language
 * (test/i18n/error-codes.test.ts). A field problem may also carry:
 * - a sequence validation code (`VALIDATION_CODES`, pinned to a node: `["node", id]`),
 * - an API error code that names a field (e.g. `unknown_business_unit` at `["body", "businessUnitId"]`),
 * - `missing_permission:<permission>` or `missing_scope:<scope>` on a refusal (the UI names the permission).
 * Adding a code means adding it here and a message in web/src/i18n/locales/{en,pl}/errors.json.
 */
export const FIELD_CODES = [
  // Request shape (zod issue codes, see fieldCodeOfZodIssue).
  'invalid_type',
  'too_big',
  'too_small',
  'invalid_format',
  'not_multiple_of',
  'unrecognized_keys',
  'invalid_union',
  'invalid_key',
  'invalid_element',
  'invalid_value',
  'invalid',
  'required',
  // Rules of one route or field.
  'weak_password',
  'invalid_mapping',
  'unknown_owner',
  'invalid_status',
  'invalid_custom_field',
  'not_empty',
  'no_options',
  'invalid_options',
  'insecure_issuer',
  'expiry_out_of_range',
  'missing_placeholder',
  // Sequence documents (import).
  'unsupported_format',
  'template_not_included',
  'duplicate_template_id',
] as const;
export type FieldCode = (typeof FIELD_CODES)[number];

/** The parametrised families: the part after the colon is a permission or token scope name. */
export type RefusalProblemCode = `missing_permission:${string}` | `missing_scope:${string}`;

export type FieldProblemCode = FieldCode | ValidationCode | ErrorCode | RefusalProblemCode;

/** The codes a field problem can carry, as one list (the OpenAPI enum; the parametrised ones are patterns). */
export const fieldProblemCodes = (errorCodes: readonly ErrorCode[]): readonly string[] => [
  ...new Set<string>([...FIELD_CODES, ...VALIDATION_CODES, ...errorCodes]),
];

const ZOD_CODES: Record<$ZodIssueCode, FieldCode> = {
  invalid_type: 'invalid_type',
  too_big: 'too_big',
  too_small: 'too_small',
  invalid_format: 'invalid_format',
  not_multiple_of: 'not_multiple_of',
  unrecognized_keys: 'unrecognized_keys',
  invalid_union: 'invalid_union',
  invalid_key: 'invalid_key',
  invalid_element: 'invalid_element',
  invalid_value: 'invalid_value',
  custom: 'invalid',
};

const isFieldCode = (code: string): code is FieldCode => (FIELD_CODES as readonly string[]).includes(code);

/**
 * The field code of one zod issue. A refinement may name its own code (`params: { code: 'weak_password' }`);
 * one that is not in the list, and any other `custom` issue, is `invalid`.
 */
export function fieldCodeOfZodIssue(code: string, ownCode?: string): FieldCode {
  if (ownCode !== undefined && isFieldCode(ownCode)) return ownCode;
  return code in ZOD_CODES ? ZOD_CODES[code as $ZodIssueCode] : 'invalid';
}
