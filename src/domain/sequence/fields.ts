import type { FieldOperator, FieldValue, RecordType } from './definition.ts';

/**
 * Record fields as conditions and "update field" commands see them: the core columns every record has plus the
 * organisation's custom fields (the `record_fields` table). Pure data; the store loads custom fields.
 */
export const FIELD_TYPES = ['text', 'number', 'date', 'boolean', 'option_set', 'two_options'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export interface FieldOption {
  value: string;
  label: string;
}

export interface FieldDefinition {
  name: string;
  label: string;
  type: FieldType;
  /** Allowed values of option sets and two-options fields. */
  options?: FieldOption[];
  /** Core fields are columns of `records`; custom fields live in `custom_json`. */
  core?: boolean;
}

export const RECORD_STATUS_OPTIONS: FieldOption[] = [
  { value: 'open', label: 'Open' },
  { value: 'qualified', label: 'Qualified' },
  { value: 'disqualified', label: 'Disqualified' },
  { value: 'won', label: 'Won' },
  { value: 'lost', label: 'Lost' },
];

const YES_NO: FieldOption[] = [
  { value: 'true', label: 'Yes' },
  { value: 'false', label: 'No' },
];

const text = (name: string, label: string): FieldDefinition => ({ name, label, type: 'text', core: true });

/** Fields every record has, whatever its type. */
export const CORE_FIELDS: FieldDefinition[] = [
  text('name', 'Name'),
  text('first_name', 'First name'),
  text('last_name', 'Last name'),
  text('email', 'Email'),
  text('company', 'Company'),
  text('job_title', 'Job title'),
  text('phone_business', 'Business phone'),
  text('phone_mobile', 'Mobile phone'),
  text('time_zone', 'Time zone'),
  text('stage', 'Business process stage'),
  { name: 'status', label: 'Status', type: 'option_set', options: RECORD_STATUS_OPTIONS, core: true },
  { name: 'do_not_email', label: 'Do not email', type: 'two_options', options: YES_NO, core: true },
  { name: 'do_not_call', label: 'Do not call', type: 'two_options', options: YES_NO, core: true },
  { name: 'created_at', label: 'Created on', type: 'date', core: true },
  { name: 'updated_at', label: 'Modified on', type: 'date', core: true },
];

/** Core fields plus the custom fields of one record type; a custom field cannot shadow a core one. */
export function fieldsFor(recordType: RecordType, custom: (FieldDefinition & { recordType?: RecordType })[]) {
  const byName = new Map<string, FieldDefinition>(CORE_FIELDS.map((field) => [field.name, field]));
  for (const field of custom) {
    if (field.recordType && field.recordType !== recordType) continue;
    if (!byName.has(field.name)) byName.set(field.name, { ...field, core: false });
  }
  return byName;
}

const EMPTY_OPS: FieldOperator[] = ['is_empty', 'is_not_empty'];

/** Which operators make sense for each field type. */
export const OPERATORS_BY_TYPE: Record<FieldType, readonly FieldOperator[]> = {
  text: ['eq', 'ne', 'contains', 'not_contains', 'begins_with', 'in', 'not_in', ...EMPTY_OPS],
  number: ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', ...EMPTY_OPS],
  date: ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', ...EMPTY_OPS],
  boolean: ['eq', 'ne'],
  option_set: ['eq', 'ne', 'in', 'not_in', ...EMPTY_OPS],
  two_options: ['eq', 'ne'],
};

export function operatorFits(type: FieldType, operator: FieldOperator): boolean {
  return OPERATORS_BY_TYPE[type].includes(operator);
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/;

function isDateText(value: string): boolean {
  return (
    ISO_DATE.test(value) && !Number.isNaN(Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value))
  );
}

function optionFits(field: FieldDefinition, value: string | boolean): boolean {
  const options = field.options ?? [];
  if (typeof value === 'boolean') return field.type === 'two_options';
  if (options.length === 0) return field.type !== 'two_options' || value === 'true' || value === 'false';
  return options.some((option) => option.value === value);
}

function singleFits(field: FieldDefinition, value: FieldValue | undefined): boolean {
  switch (field.type) {
    case 'text':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'date':
      return typeof value === 'string' && isDateText(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'option_set':
    case 'two_options':
      return (typeof value === 'string' || typeof value === 'boolean') && optionFits(field, value);
  }
}

/** True when `value` is a sensible operand of `operator` on `field` (the operator already fits the type). */
export function valueFits(
  field: FieldDefinition,
  operator: FieldOperator,
  value: FieldValue | undefined,
): boolean {
  if (operator === 'is_empty' || operator === 'is_not_empty') return value === undefined || value === null;
  if (operator === 'in' || operator === 'not_in') {
    return (
      Array.isArray(value) &&
      value.length > 0 &&
      value.every((item) => (field.type === 'option_set' ? optionFits(field, item) : true))
    );
  }
  return singleFits(field, value);
}

/** "Update field" may set only option-set and two-options fields, to one of their values (SPEC §2). */
export function updateValueFits(field: FieldDefinition, value: string | boolean): boolean {
  if (field.type !== 'option_set' && field.type !== 'two_options') return false;
  return optionFits(field, value);
}
