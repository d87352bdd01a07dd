import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import type { RecordTimeZone as ZoneInfo } from '../../api/types.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { timeZones } from '../settings/ProfileSettings.tsx';

/**
 * The record's time zone on the record page (issue 13): its own, or the inferred one marked with where it came
 * from (city, region, country, phone number), or "not known"; a seller corrects it, which sets the record's own.
 */
export function RecordTimeZone({ recordId }: { recordId: string }) {
  const { t } = useTranslation('records');
  const client = useQueryClient();
  const info = useQuery({
    queryKey: ['record-time-zone', recordId],
    queryFn: () => api<ZoneInfo>('GET', `/api/records/${recordId}/time-zone`),
  });
  const [editing, setEditing] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: (zone: string) => api('PATCH', `/api/records/${recordId}`, { timeZone: zone }),
    onSuccess: async () => {
      setEditing(null);
      await Promise.all([
        client.invalidateQueries({ queryKey: ['record-time-zone', recordId] }),
        client.invalidateQueries({ queryKey: ['record', recordId] }),
      ]);
    },
  });
  const data = info.data;
  if (!data) return <ErrorMessage error={info.error} />;
  if (editing !== null) {
    return (
      <form
        className="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          save.mutate(editing);
        }}
      >
        <select
          aria-label={t('zone.label')}
          value={editing}
          onChange={(event) => setEditing(event.target.value)}
        >
          {timeZones().map((zone) => (
            <option key={zone} value={zone}>
              {zone}
            </option>
          ))}
        </select>
        <button type="submit" disabled={save.isPending}>
          {t('zone.save')}
        </button>
        <button type="button" onClick={() => setEditing(null)}>
          {t('zone.cancel')}
        </button>
        <ErrorMessage error={save.error} />
      </form>
    );
  }
  return (
    <span data-testid="record-time-zone">
      {data.source === 'default' ? '—' : data.zone}
      {data.source !== 'record' && (
        <span className="muted small" data-testid="record-time-zone-source">
          {' '}
          ({data.source === 'default' ? t('zone.default') : t(`zone.inferred.${data.source}`)})
        </span>
      )}{' '}
      <button type="button" className="link" onClick={() => setEditing(data.zone)}>
        {t('zone.correct')}
      </button>
    </span>
  );
}
