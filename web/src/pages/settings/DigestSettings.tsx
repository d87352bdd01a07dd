import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';

const KINDS = ['reply', 'email_held', 'bounce', 'step_assigned', 'step_overdue'] as const;
type Kind = (typeof KINDS)[number];
const FREQUENCIES = ['off', 'hourly', 'daily'] as const;
type Frequency = (typeof FREQUENCIES)[number];
const HOURS = Array.from({ length: 24 }, (_, hour) => hour);

interface DigestChoice {
  kinds: Kind[];
  frequency: Frequency;
  dailyHour: number;
}

/**
 * Which notifications also arrive by email, and how often: off, hourly, or daily at an hour of your time zone
 * (the profile's). The worker sends one email per period with everything new of the chosen kinds.
 */
export function DigestSettings() {
  const { t } = useTranslation('email');
  const client = useQueryClient();
  const current = useQuery({
    queryKey: ['notification-settings'],
    queryFn: () => api<DigestChoice>('GET', '/api/notification-settings'),
  });
  const [draft, setDraft] = useState<DigestChoice | null>(null);
  const save = useMutation({
    mutationFn: (value: DigestChoice) => api<DigestChoice>('PUT', '/api/notification-settings', value),
    onSuccess: (saved) => {
      client.setQueryData(['notification-settings'], saved);
      setDraft(saved);
    },
  });
  if (!current.data) return <ErrorMessage error={current.error} />;
  const value = draft ?? current.data;
  const toggle = (kind: Kind, on: boolean) =>
    setDraft({
      ...value,
      kinds: on ? [...value.kinds.filter((k) => k !== kind), kind] : value.kinds.filter((k) => k !== kind),
    });
  return (
    <form
      className="card form-grid"
      aria-labelledby="digest-title"
      data-testid="digest-settings"
      onSubmit={(event) => {
        event.preventDefault();
        save.mutate(value);
      }}
    >
      <h2 id="digest-title">{t('digest.title')}</h2>
      <p className="hint">{t('digest.help')}</p>
      <fieldset>
        <legend>{t('digest.kinds')}</legend>
        {KINDS.map((kind) => (
          <label key={kind} className="checkbox">
            <input
              type="checkbox"
              name={`digest-${kind}`}
              checked={value.kinds.includes(kind)}
              onChange={(event) => toggle(kind, event.target.checked)}
            />
            {t(`notifications.kinds.${kind}`)}
          </label>
        ))}
      </fieldset>
      <label>
        {t('digest.frequency')}
        <select
          name="digest-frequency"
          value={value.frequency}
          onChange={(event) => setDraft({ ...value, frequency: event.target.value as Frequency })}
        >
          {FREQUENCIES.map((frequency) => (
            <option key={frequency} value={frequency}>
              {t(`digest.frequencies.${frequency}`)}
            </option>
          ))}
        </select>
      </label>
      {value.frequency === 'daily' && (
        <label>
          {t('digest.dailyHour')}
          <select
            name="digest-hour"
            value={value.dailyHour}
            onChange={(event) => setDraft({ ...value, dailyHour: Number(event.target.value) })}
          >
            {HOURS.map((hour) => (
              <option key={hour} value={hour}>
                {`${String(hour).padStart(2, '0')}:00`}
              </option>
            ))}
          </select>
        </label>
      )}
      <div className="actions">
        <button type="submit" className="primary" disabled={save.isPending}>
          {t('digest.save')}
        </button>
        {save.isSuccess && !save.isPending && (
          <span role="status" data-testid="digest-saved">
            {t('digest.saved')}
          </span>
        )}
      </div>
      <ErrorMessage error={save.error} />
    </form>
  );
}
