import type { ReactNode } from 'react';
import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import type { Duration } from '../../../../src/domain/sequence/definition.ts';

/** Small form pieces the property editors share. */

export function NumberField({
  label,
  value,
  min,
  max,
  onChange,
  testId,
}: {
  label: string;
  value: number;
  min: number;
  max: number;
  onChange(value: number): void;
  testId?: string;
}) {
  return (
    <label>
      {label}
      <input
        type="number"
        min={min}
        max={max}
        step={1}
        value={value}
        data-testid={testId}
        onChange={(event) => {
          const parsed = Number.parseInt(event.target.value, 10);
          onChange(Number.isNaN(parsed) ? min : Math.max(min, Math.min(max, parsed)));
        }}
      />
    </label>
  );
}

export function DurationFields({
  legend,
  value,
  maxDays,
  onChange,
  testId,
}: {
  legend: string;
  value: Duration;
  maxDays: number;
  onChange(value: Duration): void;
  testId: string;
}) {
  const { t } = useTranslation('designer');
  return (
    <fieldset className="designer-inline">
      <legend>{legend}</legend>
      <NumberField
        label={t('props.days')}
        value={value.days}
        min={0}
        max={maxDays}
        testId={`${testId}-days`}
        onChange={(days) => onChange({ ...value, days })}
      />
      <NumberField
        label={t('props.hours')}
        value={value.hours}
        min={0}
        max={23}
        testId={`${testId}-hours`}
        onChange={(hours) => onChange({ ...value, hours })}
      />
    </fieldset>
  );
}

export function CheckboxList<T extends string>({
  legend,
  options,
  selected,
  label,
  onChange,
}: {
  legend: string;
  options: readonly T[];
  selected: readonly T[];
  label(option: T): string;
  onChange(selected: T[]): void;
}) {
  return (
    <fieldset>
      <legend>{legend}</legend>
      {options.map((option) => (
        <label key={option} className="designer-check">
          <input
            type="checkbox"
            checked={selected.includes(option)}
            onChange={(event) =>
              onChange(
                event.target.checked
                  ? options.filter((o) => o === option || selected.includes(o))
                  : selected.filter((o) => o !== option),
              )
            }
          />
          {label(option)}
        </label>
      ))}
    </fieldset>
  );
}

export function Hint({ children }: { children: ReactNode }) {
  return <p className="designer-muted">{children}</p>;
}

export function useFieldId(): string {
  return useId();
}
