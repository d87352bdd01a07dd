import { useState } from 'react';
import { useTranslation } from 'react-i18next';

/** The record, sender and organisation fields a seller can put in an email, each with an optional fallback. */
export const PLACEHOLDER_FIELDS = [
  'record.first_name',
  'record.last_name',
  'record.name',
  'record.company',
  'record.job_title',
  'owner.name',
  'org.name',
] as const;

export function placeholder(field: string, fallback: string): string {
  const clean = fallback.replace(/["{}]/g, '').trim();
  return clean ? `{{ ${field} | default: "${clean}" }}` : `{{ ${field} }}`;
}

/**
 * Toolbar tools of the rich-text editor: choose a field, type what to say when it is empty, insert
 * `{{ record.first_name | default: "there" }}` at the caret.
 */
export function PlaceholderPicker({ onInsert }: { onInsert(text: string): void }) {
  const { t } = useTranslation('email');
  const [field, setField] = useState<string>(PLACEHOLDER_FIELDS[0]);
  const [fallback, setFallback] = useState('there');
  return (
    <span className="placeholder-picker">
      <select
        aria-label={t('templates.field')}
        value={field}
        onChange={(event) => setField(event.target.value)}
      >
        {PLACEHOLDER_FIELDS.map((name) => (
          <option key={name} value={name}>
            {t(`templates.fields.${name.replace('.', '_')}`)}
          </option>
        ))}
      </select>
      <input
        aria-label={t('templates.fallback')}
        placeholder={t('templates.fallback')}
        value={fallback}
        onChange={(event) => setFallback(event.target.value)}
        size={10}
      />
      <button type="button" onClick={() => onInsert(placeholder(field, fallback))}>
        {t('templates.insert')}
      </button>
    </span>
  );
}
