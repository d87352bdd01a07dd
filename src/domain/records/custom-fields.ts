import { z } from 'zod';
import { RECORD_TYPES } from '../sequence/definition.ts';
import { CORE_FIELDS, FIELD_TYPES, type FieldDefinition, type FieldOption } from '../sequence/fields.ts';

/**
 * Custom record fields (the `record_fields` table): what an admin may define, and how a value of each type is
 * checked and stored in `records.custom_json`. Stored values by type:
 * text → string, number → number, date → "YYYY-MM-DD", boolean → true/false, option_set → the option's value,
 * two_options → true/false (its two options are labels for true and false).
 */

export const FIELD_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const CORE_NAMES = new Set([...CORE_FIELDS.map((field) => field.name), 'owner', 'owner_id', 'id', 'type']);

export const FieldOptionSchema = z.strictObject({
  value: z.string().trim().min(1).max(100),
  label: z.string().trim().min(1).max(200),
});

const optionsRefinement = (
  field: { type?: string; options?: FieldOption[] | null },
  ctx: z.RefinementCtx,
): void => {
  if (field.type === 'option_set') {
    if (!field.options || field.options.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['options'], message: 'An option set needs at least one option' });
      return;
    }
  }
  if (field.type === 'two_options' && field.options) {
    const values = field.options.map((option) => option.value).sort();
    if (values.length !== 2 || values[0] !== 'false' || values[1] !== 'true') {
      ctx.addIssue({
        code: 'custom',
        path: ['options'],
        message: 'Two options are exactly the values "true" and "false" (with your labels)',
      });
    }
  }
  if (field.options) {
    const seen = new Set<string>();
    field.options.forEach((option, index) => {
      if (seen.has(option.value)) {
        ctx.addIssue({
          code: 'custom',
          path: ['options', index, 'value'],
          message: 'Option values must be unique',
        });
      }
      seen.add(option.value);
    });
  }
  if (field.type && field.type !== 'option_set' && field.type !== 'two_options' && field.options?.length) {
    ctx.addIssue({
      code: 'custom',
      path: ['options'],
      message: 'Only option sets and two-options fields have options',
    });
  }
};

export const RecordFieldCreateSchema = z
  .strictObject({
    recordType: z.enum(RECORD_TYPES),
    name: z
      .string()
      .trim()
      .regex(FIELD_NAME_PATTERN, 'Start with a letter; use letters, digits and "_" (at most 64)')
      .refine((name) => !CORE_NAMES.has(name), 'This name belongs to a built-in field'),
    label: z.string().trim().min(1).max(200),
    type: z.enum(FIELD_TYPES),
    options: z.array(FieldOptionSchema).max(500).optional(),
  })
  .superRefine(optionsRefinement);
export type RecordFieldCreate = z.infer<typeof RecordFieldCreateSchema>;

/** Name, record type and type never change (stored values and sequences depend on them). */
export const RecordFieldPatchSchema = z.strictObject({
  label: z.string().trim().min(1).max(200).optional(),
  options: z.array(FieldOptionSchema).max(500).optional(),
});
export type RecordFieldPatch = z.infer<typeof RecordFieldPatchSchema>;

export const DEFAULT_TWO_OPTIONS: FieldOption[] = [
  { value: 'true', label: 'Yes' },
  { value: 'false', label: 'No' },
];

/** The options a field ends up with: two-options fields default to Yes/No. */
export function normaliseOptions(type: FieldDefinition['type'], options: FieldOption[] | undefined) {
  if (type === 'two_options') return options && options.length > 0 ? options : DEFAULT_TWO_OPTIONS;
  if (type === 'option_set') return options ?? [];
  return undefined;
}

export type CustomValue = string | number | boolean | null;
export type CoerceResult = { ok: true; value: CustomValue } | { ok: false; message: string };

const TRUE_WORDS = new Set(['true', 'yes', 'y', '1', 'tak']);
const FALSE_WORDS = new Set(['false', 'no', 'n', '0', 'nie']);

/** Reads a yes/no value from JSON (boolean) or text ("yes", "1", "true", an option label…). */
export function parseFlag(raw: unknown, options: FieldOption[] = DEFAULT_TWO_OPTIONS): boolean | undefined {
  if (typeof raw === 'boolean') return raw;
  if (raw === 1 || raw === 0) return raw === 1;
  if (typeof raw !== 'string') return undefined;
  const text = raw.trim().toLowerCase();
  if (TRUE_WORDS.has(text)) return true;
  if (FALSE_WORDS.has(text)) return false;
  const byLabel = options.find((option) => option.label.trim().toLowerCase() === text);
  return byLabel ? byLabel.value === 'true' : undefined;
}

function isIsoDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

/**
 * Checks one custom value against its field. `text` mode reads a CSV cell (numbers and flags as text, an empty
 * cell is "no value"); `json` mode expects the JSON type (null clears the value).
 */
export function coerceCustomValue(field: FieldDefinition, raw: unknown, mode: 'json' | 'text'): CoerceResult {
  if (raw === null || raw === undefined) return { ok: true, value: null };
  if (mode === 'text' && typeof raw === 'string' && raw.trim() === '') return { ok: true, value: null };
  const fail = (message: string): CoerceResult => ({ ok: false, message });
  switch (field.type) {
    case 'text':
      if (typeof raw !== 'string') return fail('Expected text');
      if (raw.length > 4000) return fail('At most 4000 characters');
      return { ok: true, value: raw };
    case 'number': {
      const value =
        typeof raw === 'number'
          ? raw
          : mode === 'text' && typeof raw === 'string'
            ? Number(raw.trim())
            : Number.NaN;
      if (typeof raw === 'string' && mode === 'json') return fail('Expected a number');
      return Number.isFinite(value) ? { ok: true, value } : fail(`"${String(raw)}" is not a number`);
    }
    case 'date':
      if (typeof raw !== 'string' || !isIsoDate(raw.trim())) return fail('Expected a date as YYYY-MM-DD');
      return { ok: true, value: raw.trim() };
    case 'boolean':
    case 'two_options': {
      if (mode === 'json' && typeof raw !== 'boolean') return fail('Expected true or false');
      const value = parseFlag(raw, field.options ?? DEFAULT_TWO_OPTIONS);
      return value === undefined ? fail(`"${String(raw)}" is not yes/no`) : { ok: true, value };
    }
    case 'option_set': {
      if (typeof raw !== 'string') return fail('Expected one of the option values');
      const text = raw.trim();
      const options = field.options ?? [];
      const match =
        options.find((option) => option.value === text) ??
        (mode === 'text'
          ? options.find((option) => option.label.toLowerCase() === text.toLowerCase())
          : undefined);
      return match
        ? { ok: true, value: match.value }
        : fail(`"${text}" is not one of: ${options.map((option) => option.value).join(', ')}`);
    }
  }
}

export interface CustomProblem {
  name: string;
  message: string;
}

/**
 * Validates a set of custom values against the field definitions of the record's type. Unknown names are
 * problems; null values are dropped (they clear the field). Returns the values to merge.
 */
export function validateCustomValues(
  fields: FieldDefinition[],
  input: Record<string, unknown>,
  mode: 'json' | 'text',
): { values: Record<string, CustomValue>; problems: CustomProblem[] } {
  const byName = new Map(fields.map((field) => [field.name, field]));
  const values: Record<string, CustomValue> = {};
  const problems: CustomProblem[] = [];
  for (const [name, raw] of Object.entries(input)) {
    const field = byName.get(name);
    if (!field) {
      problems.push({ name, message: `No custom field "${name}" for this record type` });
      continue;
    }
    const result = coerceCustomValue(field, raw, mode);
    if (result.ok) values[name] = result.value;
    else problems.push({ name, message: result.message });
  }
  return { values, problems };
}

/** Merges validated values into the stored ones; null removes a value. */
export function mergeCustomValues(
  stored: Record<string, CustomValue>,
  changes: Record<string, CustomValue>,
): Record<string, CustomValue> {
  const merged: Record<string, CustomValue> = { ...stored };
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) delete merged[name];
    else merged[name] = value;
  }
  return merged;
}
