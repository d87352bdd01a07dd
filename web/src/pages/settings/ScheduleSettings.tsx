import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';

export interface ScheduleInterval {
  day: number;
  from: string;
  to: string;
}
export type ScheduleZoneMode = { kind: 'recipient' } | { kind: 'seller' } | { kind: 'fixed'; zone: string };
export interface Schedule {
  id: string;
  name: string;
  isDefault: boolean;
  zoneMode: ScheduleZoneMode;
  intervals: ScheduleInterval[];
  holidays: { dates: string[]; country: string | null; region: string | null };
}
interface Country {
  code: string;
  name: string;
  regions: { code: string; name: string }[];
}
interface Holiday {
  date: string;
  name: string;
  source: 'organisation' | 'public';
}

const DAYS = [1, 2, 3, 4, 5, 6, 7] as const;
const EMPTY: Omit<Schedule, 'id'> = {
  name: '',
  isDefault: false,
  zoneMode: { kind: 'recipient' },
  intervals: [1, 2, 3, 4, 5].map((day) => ({ day, from: '09:00', to: '17:00' })),
  holidays: { dates: [], country: null, region: null },
};

/** The organisation's schedules: when automated emails may go (admins edit, everyone may read). */
export function ScheduleSettings() {
  const { t } = useTranslation('settings');
  const client = useQueryClient();
  const schedules = useQuery({
    queryKey: ['schedules'],
    queryFn: () => api<{ items: Schedule[] }>('GET', '/api/schedules'),
  });
  const [editing, setEditing] = useState<(Omit<Schedule, 'id'> & { id?: string }) | null>(null);
  const remove = useMutation({
    mutationFn: (id: string) => api('DELETE', `/api/schedules/${id}`),
    onSuccess: () => client.invalidateQueries({ queryKey: ['schedules'] }),
  });
  return (
    <section className="card" aria-labelledby="schedules-title">
      <h2 id="schedules-title">{t('section.schedules')}</h2>
      <p className="muted">{t('schedules.help')}</p>
      <ErrorMessage error={schedules.error ?? remove.error} />
      <table className="grid" aria-label={t('section.schedules')}>
        <thead>
          <tr>
            <th>{t('schedules.name')}</th>
            <th>{t('schedules.zone')}</th>
            <th>{t('schedules.hours')}</th>
            <th>
              <span className="visually-hidden">{t('actions')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {(schedules.data?.items ?? []).map((schedule) => (
            <tr key={schedule.id} data-testid="schedule-row">
              <td>
                {schedule.name}{' '}
                {schedule.isDefault && <span className="badge">{t('schedules.default')}</span>}
              </td>
              <td>
                {t(`schedules.zoneMode.${schedule.zoneMode.kind}`)}
                {schedule.zoneMode.kind === 'fixed' ? ` (${schedule.zoneMode.zone})` : ''}
              </td>
              <td>{summary(schedule.intervals, (day) => t(`schedules.day.${day}`))}</td>
              <td>
                <button type="button" onClick={() => setEditing(schedule)}>
                  {t('schedules.edit')}
                </button>{' '}
                <button type="button" className="danger" onClick={() => remove.mutate(schedule.id)}>
                  {t('schedules.delete')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {!editing && (
        <button type="button" className="primary" onClick={() => setEditing({ ...EMPTY })}>
          {t('schedules.new')}
        </button>
      )}
      {editing && <ScheduleEditor value={editing} onDone={() => setEditing(null)} />}
    </section>
  );
}

function summary(intervals: ScheduleInterval[], dayName: (day: number) => string): string {
  return DAYS.filter((day) => intervals.some((i) => i.day === day))
    .map(
      (day) =>
        `${dayName(day)} ${intervals
          .filter((i) => i.day === day)
          .map((i) => `${i.from}–${i.to}`)
          .join(', ')}`,
    )
    .join('; ');
}

function ScheduleEditor({
  value,
  onDone,
}: {
  value: Omit<Schedule, 'id'> & { id?: string };
  onDone(): void;
}) {
  const { t } = useTranslation('settings');
  const client = useQueryClient();
  const [draft, setDraft] = useState(value);
  const [dates, setDates] = useState(value.holidays.dates.join(', '));
  const countries = useQuery({
    queryKey: ['holiday-countries'],
    queryFn: () => api<{ items: Country[] }>('GET', '/api/holiday-countries'),
  });
  const save = useMutation({
    mutationFn: () => {
      const body = {
        name: draft.name,
        isDefault: draft.isDefault,
        zoneMode: draft.zoneMode,
        intervals: draft.intervals,
        holidays: {
          ...draft.holidays,
          dates: dates
            .split(/[\s,]+/)
            .map((d) => d.trim())
            .filter(Boolean),
        },
      };
      return draft.id
        ? api<Schedule>('PUT', `/api/schedules/${draft.id}`, body)
        : api<Schedule>('POST', '/api/schedules', body);
    },
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: ['schedules'] });
      onDone();
    },
  });
  const setInterval = (index: number, change: Partial<ScheduleInterval>) =>
    setDraft({
      ...draft,
      intervals: draft.intervals.map((interval, i) => (i === index ? { ...interval, ...change } : interval)),
    });
  const country = countries.data?.items.find((c) => c.code === draft.holidays.country);
  return (
    <form
      className="stack"
      aria-label={t('schedules.editor')}
      onSubmit={(event) => {
        event.preventDefault();
        save.mutate();
      }}
    >
      <label>
        {t('schedules.name')}
        <input
          value={draft.name}
          maxLength={100}
          data-testid="schedule-name"
          onChange={(e) => setDraft({ ...draft, name: e.target.value })}
        />
      </label>
      <label className="inline">
        <input
          type="checkbox"
          checked={draft.isDefault}
          onChange={(e) => setDraft({ ...draft, isDefault: e.target.checked })}
        />
        {t('schedules.makeDefault')}
      </label>
      <label>
        {t('schedules.zone')}
        <select
          value={draft.zoneMode.kind}
          data-testid="schedule-zone-mode"
          onChange={(e) => {
            const kind = e.target.value as ScheduleZoneMode['kind'];
            setDraft({ ...draft, zoneMode: kind === 'fixed' ? { kind, zone: 'UTC' } : { kind } });
          }}
        >
          {(['recipient', 'seller', 'fixed'] as const).map((kind) => (
            <option key={kind} value={kind}>
              {t(`schedules.zoneMode.${kind}`)}
            </option>
          ))}
        </select>
      </label>
      {draft.zoneMode.kind === 'fixed' && (
        <label>
          {t('schedules.fixedZone')}
          <input
            value={draft.zoneMode.zone}
            onChange={(e) => setDraft({ ...draft, zoneMode: { kind: 'fixed', zone: e.target.value } })}
          />
        </label>
      )}
      <fieldset>
        <legend>{t('schedules.hours')}</legend>
        {DAYS.map((day) => (
          <div key={day} className="toolbar" data-testid={`schedule-day-${day}`}>
            <span className="strong">{t(`schedules.day.${day}`)}</span>
            {draft.intervals.map((interval, index) =>
              interval.day !== day ? null : (
                // biome-ignore lint/suspicious/noArrayIndexKey: intervals have no identity besides their position
                <span key={index} className="toolbar">
                  <input
                    type="time"
                    aria-label={t('schedules.from')}
                    value={interval.from}
                    onChange={(e) => e.target.value && setInterval(index, { from: e.target.value })}
                  />
                  <input
                    type="time"
                    aria-label={t('schedules.to')}
                    value={interval.to === '24:00' ? '23:59' : interval.to}
                    onChange={(e) => e.target.value && setInterval(index, { to: e.target.value })}
                  />
                  <button
                    type="button"
                    aria-label={t('schedules.removeInterval')}
                    onClick={() =>
                      setDraft({ ...draft, intervals: draft.intervals.filter((_, i) => i !== index) })
                    }
                  >
                    ×
                  </button>
                </span>
              ),
            )}
            <button
              type="button"
              onClick={() =>
                setDraft({ ...draft, intervals: [...draft.intervals, { day, from: '09:00', to: '17:00' }] })
              }
            >
              {t('schedules.addInterval')}
            </button>
          </div>
        ))}
      </fieldset>
      <fieldset>
        <legend>{t('schedules.holidays')}</legend>
        <label>
          {t('schedules.country')}
          <select
            value={draft.holidays.country ?? ''}
            data-testid="schedule-country"
            onChange={(e) =>
              setDraft({
                ...draft,
                holidays: { ...draft.holidays, country: e.target.value || null, region: null },
              })
            }
          >
            <option value="">{t('schedules.noCountry')}</option>
            {(countries.data?.items ?? []).map((c) => (
              <option key={c.code} value={c.code}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        {country && country.regions.length > 0 && (
          <label>
            {t('schedules.region')}
            <select
              value={draft.holidays.region ?? ''}
              onChange={(e) =>
                setDraft({ ...draft, holidays: { ...draft.holidays, region: e.target.value || null } })
              }
            >
              <option value="">{t('schedules.wholeCountry')}</option>
              {country.regions.map((r) => (
                <option key={r.code} value={r.code}>
                  {r.name}
                </option>
              ))}
            </select>
          </label>
        )}
        <label>
          {t('schedules.dates')}
          <input value={dates} data-testid="schedule-dates" onChange={(e) => setDates(e.target.value)} />
        </label>
      </fieldset>
      <ErrorMessage error={save.error} />
      <div className="toolbar">
        <button type="submit" className="primary" disabled={!draft.name.trim() || save.isPending}>
          {t('schedules.save')}
        </button>
        <button type="button" onClick={onDone}>
          {t('schedules.cancel')}
        </button>
      </div>
      {draft.id && <UpcomingHolidays id={draft.id} />}
    </form>
  );
}

/** The closed dates of the next 12 months (organisation dates and public holidays). */
function UpcomingHolidays({ id }: { id: string }) {
  const { t } = useTranslation('settings');
  const holidays = useQuery({
    queryKey: ['schedules', id, 'holidays'],
    queryFn: () => api<{ items: Holiday[] }>('GET', `/api/schedules/${id}/holidays?months=12`),
  });
  return (
    <section aria-label={t('schedules.upcoming')}>
      <h3>{t('schedules.upcoming')}</h3>
      <ul data-testid="schedule-holidays">
        {(holidays.data?.items ?? []).map((h) => (
          <li key={`${h.date}-${h.name}`}>
            {h.date} {h.name} <span className="muted">({t(`schedules.source.${h.source}`)})</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
