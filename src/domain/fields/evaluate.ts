import type { FieldCondition, FieldRule, FieldValue } from '../sequence/definition.ts';

/**
 * The one evaluator of field rules (AND/OR groups of field conditions), shared by segments ("does this record
 * match?") and the engine's `condition_field` node. Pure: the caller supplies the record's field values.
 *
 * A condition naming a field that exists neither among the values nor among `knownFields` (the record type's
 * custom fields) makes the rule unanswerable: `{ missingField }`, never a silent false. A known field without
 * a value is simply empty.
 */
export type RuleOutcome = { result: boolean } | { missingField: string };

export function evaluateFieldRule(
  rule: FieldRule,
  fields: Readonly<Record<string, FieldValue>>,
  knownFields: readonly string[] = [],
): RuleOutcome {
  for (const group of rule.groups) {
    for (const condition of group.conditions) {
      if (!Object.hasOwn(fields, condition.field) && !knownFields.includes(condition.field)) {
        return { missingField: condition.field };
      }
    }
  }
  const groupResults = rule.groups.map((group) => {
    const results = group.conditions.map((c) =>
      evaluateCondition(c, Object.hasOwn(fields, c.field) ? (fields[c.field] ?? null) : null),
    );
    return group.combine === 'and' ? results.every(Boolean) : results.some(Boolean);
  });
  return { result: rule.combine === 'and' ? groupResults.every(Boolean) : groupResults.some(Boolean) };
}

/** True only when the rule can be answered and the answer is yes (segments treat "cannot evaluate" as no). */
export function matchesFieldRule(
  rule: FieldRule,
  fields: Readonly<Record<string, FieldValue>>,
  knownFields: readonly string[] = [],
): boolean {
  const outcome = evaluateFieldRule(rule, fields, knownFields);
  return 'result' in outcome && outcome.result;
}

function isEmpty(value: FieldValue): boolean {
  return value === null || value === '' || (Array.isArray(value) && value.length === 0);
}

function asText(value: FieldValue | undefined): string {
  if (value === null || value === undefined) return '';
  return Array.isArray(value) ? value.join(',').toLowerCase() : String(value).toLowerCase();
}

function asNumber(value: FieldValue | undefined): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    return Number(value);
  return undefined;
}

/** -1 / 0 / 1; numbers numerically, everything else as case-insensitive text (ISO dates order as text). */
function compare(left: FieldValue, right: FieldValue | undefined): number {
  const a = asNumber(left);
  const b = asNumber(right);
  if (a !== undefined && b !== undefined) return Math.sign(a - b);
  const x = asText(left);
  const y = asText(right);
  return x < y ? -1 : x > y ? 1 : 0;
}

function equals(left: FieldValue, right: FieldValue | undefined): boolean {
  if (typeof left === 'boolean' || typeof right === 'boolean') {
    return asText(left) === asText(right ?? null);
  }
  return compare(left, right) === 0;
}

export function evaluateCondition(condition: FieldCondition, value: FieldValue): boolean {
  const target = condition.value;
  switch (condition.operator) {
    case 'eq':
      return !isEmpty(value) && equals(value, target);
    case 'ne':
      return isEmpty(value) || !equals(value, target);
    case 'gt':
      return !isEmpty(value) && compare(value, target) > 0;
    case 'gte':
      return !isEmpty(value) && compare(value, target) >= 0;
    case 'lt':
      return !isEmpty(value) && compare(value, target) < 0;
    case 'lte':
      return !isEmpty(value) && compare(value, target) <= 0;
    case 'contains':
      return asText(value).includes(asText(target));
    case 'not_contains':
      return !asText(value).includes(asText(target));
    case 'begins_with':
      return asText(value).startsWith(asText(target));
    case 'in':
      return Array.isArray(target) && target.some((t) => equals(value, t));
    case 'not_in':
      return !Array.isArray(target) || !target.some((t) => equals(value, t));
    case 'is_empty':
      return isEmpty(value);
    case 'is_not_empty':
      return !isEmpty(value);
  }
}

/** The columns of a record that conditions can read (a `records` row has them all). */
export interface RecordColumns {
  type: string;
  name: string;
  first_name: string | null;
  last_name: string | null;
  company: string | null;
  job_title: string | null;
  email: string | null;
  phone_business: string | null;
  phone_mobile: string | null;
  time_zone: string | null;
  status: string;
  stage: string | null;
  owner_id: string;
  do_not_email: number;
  do_not_call: number;
  custom_json: string;
  created_at: number;
  updated_at: number;
}

/**
 * A record's field values by machine name, as conditions name them (src/domain/sequence/fields.ts CORE_FIELDS:
 * snake_case core columns, then custom fields; a custom field cannot shadow a core one). Dates are ISO strings,
 * two-options flags booleans.
 */
export function recordFieldValues(record: RecordColumns): Record<string, FieldValue> {
  let custom: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(record.custom_json || '{}');
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      custom = parsed as Record<string, unknown>;
  } catch {
    custom = {};
  }
  const values: Record<string, FieldValue> = {};
  for (const [name, value] of Object.entries(custom)) values[name] = toFieldValue(value);
  Object.assign(values, {
    type: record.type,
    name: record.name,
    first_name: record.first_name,
    last_name: record.last_name,
    company: record.company,
    job_title: record.job_title,
    email: record.email,
    phone_business: record.phone_business,
    phone_mobile: record.phone_mobile,
    time_zone: record.time_zone,
    status: record.status,
    stage: record.stage,
    owner_id: record.owner_id,
    do_not_email: record.do_not_email === 1,
    do_not_call: record.do_not_call === 1,
    created_at: new Date(record.created_at).toISOString(),
    updated_at: new Date(record.updated_at).toISOString(),
  } satisfies Record<string, FieldValue>);
  return values;
}

function toFieldValue(value: unknown): FieldValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map((item) => String(item));
  return JSON.stringify(value);
}
