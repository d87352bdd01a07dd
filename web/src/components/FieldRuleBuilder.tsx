import './field-rule.css';
import { useTranslation } from 'react-i18next';
import type {
  FieldCondition,
  FieldOperator,
  FieldRule,
  FieldValue,
} from '../../../src/domain/sequence/definition.ts';
import { type FieldDefinition, OPERATORS_BY_TYPE } from '../../../src/domain/sequence/fields.ts';

/**
 * Field conditions with AND/OR groups, operators fitting each field's type (SPEC §2). One builder for the
 * designer's field condition and the segment editor (Sequences → Segments); both store a `FieldRule`.
 */

const NO_VALUE: FieldOperator[] = ['is_empty', 'is_not_empty'];
const LIST_VALUE: FieldOperator[] = ['in', 'not_in'];

function defaultValue(field: FieldDefinition | undefined, operator: FieldOperator): FieldValue | undefined {
  if (NO_VALUE.includes(operator)) return undefined;
  if (LIST_VALUE.includes(operator)) return field?.options?.[0] ? [field.options[0].value] : [''];
  switch (field?.type) {
    case 'number':
      return 0;
    case 'boolean':
      return true;
    case 'date':
      return new Date().toISOString().slice(0, 10);
    case 'option_set':
    case 'two_options':
      return field.options?.[0]?.value ?? '';
    default:
      return '';
  }
}

function ValueInput({
  field,
  condition,
  onChange,
  label,
}: {
  field: FieldDefinition | undefined;
  condition: FieldCondition;
  onChange(value: FieldValue | undefined): void;
  label: string;
}) {
  const { t } = useTranslation('designer');
  if (NO_VALUE.includes(condition.operator)) return null;
  const options = field?.options ?? [];
  if (LIST_VALUE.includes(condition.operator)) {
    const values = Array.isArray(condition.value) ? condition.value : [];
    if (options.length > 0) {
      return (
        <select
          multiple
          aria-label={label}
          value={values}
          onChange={(e) => onChange([...e.target.selectedOptions].map((o) => o.value))}
        >
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {t(`optionLabels.${o.label}`, { defaultValue: o.label })}
            </option>
          ))}
        </select>
      );
    }
    return (
      <input
        aria-label={label}
        placeholder={t('props.listPlaceholder')}
        value={values.join(', ')}
        maxLength={1000}
        onChange={(e) => onChange(e.target.value.split(',').map((v) => v.trim()))}
      />
    );
  }
  switch (field?.type) {
    case 'number':
      return (
        <input
          type="number"
          aria-label={label}
          value={typeof condition.value === 'number' ? condition.value : 0}
          onChange={(e) => onChange(Number(e.target.value))}
        />
      );
    case 'date':
      return (
        <input
          type="date"
          aria-label={label}
          value={typeof condition.value === 'string' ? condition.value.slice(0, 10) : ''}
          onChange={(e) => onChange(e.target.value)}
        />
      );
    case 'boolean':
      return (
        <select
          aria-label={label}
          value={String(condition.value === true)}
          onChange={(e) => onChange(e.target.value === 'true')}
        >
          <option value="true">{t('props.yes')}</option>
          <option value="false">{t('props.no')}</option>
        </select>
      );
    case 'option_set':
    case 'two_options':
      return (
        <select
          aria-label={label}
          value={String(condition.value ?? '')}
          onChange={(e) => onChange(e.target.value)}
        >
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {t(`optionLabels.${o.label}`, { defaultValue: o.label })}
            </option>
          ))}
        </select>
      );
    default:
      return (
        <input
          aria-label={label}
          value={typeof condition.value === 'string' ? condition.value : ''}
          maxLength={1000}
          onChange={(e) => onChange(e.target.value)}
        />
      );
  }
}

export function FieldRuleBuilder({
  rule,
  fields,
  onChange,
}: {
  rule: FieldRule;
  fields: FieldDefinition[];
  onChange(rule: FieldRule): void;
}) {
  const { t } = useTranslation('designer');
  const byName = new Map(fields.map((f) => [f.name, f]));
  const setGroup = (index: number, group: FieldRule['groups'][number]) =>
    onChange({ ...rule, groups: rule.groups.map((g, i) => (i === index ? group : g)) });
  const fieldLabel = (f: FieldDefinition) => t(`fields.${f.name}`, { defaultValue: f.label });
  const newCondition = (): FieldCondition => {
    const field = fields[0];
    const operator = field ? OPERATORS_BY_TYPE[field.type][0]! : 'eq';
    const value = defaultValue(field, operator);
    return { field: field?.name ?? 'name', operator, ...(value === undefined ? {} : { value }) };
  };
  return (
    <div className="designer-rule" data-testid="field-rule">
      <label>
        {t('props.groupsCombine')}
        <select
          value={rule.combine}
          onChange={(e) => onChange({ ...rule, combine: e.target.value as 'and' | 'or' })}
        >
          <option value="and">{t('props.and')}</option>
          <option value="or">{t('props.or')}</option>
        </select>
      </label>
      {rule.groups.map((group, groupIndex) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: groups have no identity of their own; they are positional
        <fieldset key={groupIndex} className="designer-rule-group">
          <legend>{t('props.group', { n: groupIndex + 1 })}</legend>
          <label>
            {t('props.conditionsCombine')}
            <select
              value={group.combine}
              onChange={(e) => setGroup(groupIndex, { ...group, combine: e.target.value as 'and' | 'or' })}
            >
              <option value="and">{t('props.and')}</option>
              <option value="or">{t('props.or')}</option>
            </select>
          </label>
          {group.conditions.map((condition, conditionIndex) => {
            const field = byName.get(condition.field);
            const operators = field ? OPERATORS_BY_TYPE[field.type] : (['eq'] as FieldOperator[]);
            const update = (next: FieldCondition) =>
              setGroup(groupIndex, {
                ...group,
                conditions: group.conditions.map((c, i) => (i === conditionIndex ? next : c)),
              });
            const rowLabel = t('props.conditionN', { n: conditionIndex + 1 });
            return (
              // biome-ignore lint/suspicious/noArrayIndexKey: conditions have no identity of their own; they are positional
              <div key={conditionIndex} className="designer-rule-row">
                <select
                  aria-label={`${rowLabel}: ${t('props.field')}`}
                  value={condition.field}
                  onChange={(e) => {
                    const nextField = byName.get(e.target.value);
                    const operator = nextField ? OPERATORS_BY_TYPE[nextField.type][0]! : 'eq';
                    const value = defaultValue(nextField, operator);
                    update({ field: e.target.value, operator, ...(value === undefined ? {} : { value }) });
                  }}
                >
                  {!field && <option value={condition.field}>{condition.field}</option>}
                  {fields.map((f) => (
                    <option key={f.name} value={f.name}>
                      {fieldLabel(f)}
                    </option>
                  ))}
                </select>
                <select
                  aria-label={`${rowLabel}: ${t('props.operator')}`}
                  value={condition.operator}
                  onChange={(e) => {
                    const operator = e.target.value as FieldOperator;
                    const keepValue =
                      !NO_VALUE.includes(operator) &&
                      LIST_VALUE.includes(operator) === LIST_VALUE.includes(condition.operator) &&
                      !NO_VALUE.includes(condition.operator);
                    const value = keepValue ? condition.value : defaultValue(field, operator);
                    update({ field: condition.field, operator, ...(value === undefined ? {} : { value }) });
                  }}
                >
                  {operators.map((op) => (
                    <option key={op} value={op}>
                      {t(`operators.${op}`)}
                    </option>
                  ))}
                </select>
                <div className="designer-rule-value">
                  <ValueInput
                    field={field}
                    condition={condition}
                    label={`${rowLabel}: ${t('props.value')}`}
                    onChange={(value) =>
                      update({
                        field: condition.field,
                        operator: condition.operator,
                        ...(value === undefined ? {} : { value }),
                      })
                    }
                  />
                </div>
                <button
                  type="button"
                  className="designer-rule-remove"
                  aria-label={t('props.removeCondition', { n: conditionIndex + 1 })}
                  disabled={group.conditions.length <= 1 && rule.groups.length <= 1}
                  onClick={() => {
                    const conditions = group.conditions.filter((_, i) => i !== conditionIndex);
                    if (conditions.length === 0) {
                      onChange({ ...rule, groups: rule.groups.filter((_, i) => i !== groupIndex) });
                    } else setGroup(groupIndex, { ...group, conditions });
                  }}
                >
                  ×
                </button>
              </div>
            );
          })}
          <button
            type="button"
            disabled={group.conditions.length >= 50}
            onClick={() =>
              setGroup(groupIndex, { ...group, conditions: [...group.conditions, newCondition()] })
            }
          >
            {t('props.addCondition')}
          </button>
        </fieldset>
      ))}
      <button
        type="button"
        disabled={rule.groups.length >= 20}
        onClick={() =>
          onChange({ ...rule, groups: [...rule.groups, { combine: 'and', conditions: [newCondition()] }] })
        }
      >
        {t('props.addGroup')}
      </button>
    </div>
  );
}
