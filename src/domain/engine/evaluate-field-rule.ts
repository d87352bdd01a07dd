import type { FieldCondition, FieldRule, FieldValue } from '../sequence/definition.ts';

export type RuleOutcome = { result: boolean } | { missingField: string };

/**
 * Evaluates a field condition's AND/OR groups on the record's fields. A field that exists neither on the record
 * nor among the record type's custom fields makes the rule unanswerable (`missingField`), never silently false.
 */
export function evaluateFieldRule(
  rule: FieldRule,
  fields: Record<string, FieldValue>,
  knownFields: readonly string[],
): RuleOutcome {
  for (const group of rule.groups) {
    for (const condition of group.conditions) {
      if (!(condition.field in fields) && !knownFields.includes(condition.field)) {
        return { missingField: condition.field };
      }
    }
  }
  const groupResults = rule.groups.map((group) => {
    const results = group.conditions.map((c) => evaluateCondition(c, fields[c.field] ?? null));
    return group.combine === 'and' ? results.every(Boolean) : results.some(Boolean);
  });
  return { result: rule.combine === 'and' ? groupResults.every(Boolean) : groupResults.some(Boolean) };
}

function isEmpty(value: FieldValue): boolean {
  return value === null || value === '' || (Array.isArray(value) && value.length === 0);
}

function asText(value: FieldValue | undefined): string {
  if (value === null || value === undefined) return '';
  return Array.isArray(value) ? value.join(',') : String(value).toLowerCase();
}

function asNumber(value: FieldValue | undefined): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    return Number(value);
  return undefined;
}

/** -1 / 0 / 1; numbers numerically, everything else as text (ISO dates order correctly as text). */
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
