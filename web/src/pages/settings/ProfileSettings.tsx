import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import type { Profile } from '../../api/types.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { useToast } from '../../components/Toast.tsx';
import { useProfile } from '../../i18n/format.ts';
import i18n, { asLanguage, LANGUAGES } from '../../i18n/index.ts';
import { DigestSettings } from './DigestSettings.tsx';
import { PasswordSettings } from './PasswordSettings.tsx';
import { SignatureSettings } from './SignatureSettings.tsx';

const DAYS = [1, 2, 3, 4, 5, 6, 7] as const;
const AFTER = ['next_item', 'stay', 'ask'] as const;

export function timeZones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  return (
    intl.supportedValuesOf?.('timeZone') ?? ['UTC', 'Europe/Warsaw', 'Europe/London', 'America/New_York']
  );
}

/** Language, time zone, working hours and the "after completing a step" preference; then the password. */
export function ProfileSettings() {
  return (
    <>
      <ProfileForm />
      <SignatureSettings />
      <DigestSettings />
      <PasswordSettings />
    </>
  );
}

function ProfileForm() {
  const { t } = useTranslation('settings');
  const client = useQueryClient();
  const toast = useToast();
  const profile = useProfile();
  const [draft, setDraft] = useState<Profile | null>(null);
  const [daysOff, setDaysOff] = useState('');
  /** Hours are sent only when edited here, so saving a name never turns "the organisation's hours" into a copy. */
  const [hoursTouched, setHoursTouched] = useState(false);
  useEffect(() => {
    if (profile.data && !draft) {
      setDraft(profile.data);
      setDaysOff(profile.data.workingHours.daysOff.join(', '));
    }
  }, [profile.data, draft]);
  const save = useMutation({
    mutationFn: (value: Profile & { useOrgHours?: boolean }) =>
      api<Profile>('PATCH', '/api/me/profile', {
        name: value.name,
        locale: value.locale,
        timeZone: value.timeZone || null,
        ...(value.useOrgHours
          ? { workingHours: null }
          : hoursTouched
            ? {
                workingHours: {
                  ...value.workingHours,
                  daysOff: daysOff
                    .split(/[,\s]+/)
                    .map((day) => day.trim())
                    .filter(Boolean),
                },
              }
            : {}),
        preferences: value.preferences,
      }),
    onSuccess: async (saved) => {
      setHoursTouched(false);
      setDraft(saved);
      setDaysOff(saved.workingHours.daysOff.join(', '));
      await i18n.changeLanguage(saved.locale);
      client.setQueryData(['profile'], saved);
      toast.show(t('saved'));
      await client.invalidateQueries({ queryKey: ['me'] });
    },
  });
  if (!draft) return <ErrorMessage error={profile.error} />;
  function submit(event: FormEvent) {
    event.preventDefault();
    if (draft) save.mutate(draft);
  }
  const hours = draft.workingHours;
  return (
    <form className="card form-grid" onSubmit={submit} aria-labelledby="profile-title">
      <h2 id="profile-title">{t('section.profile')}</h2>
      <label>
        {t('profile.name')}
        <input
          value={draft.name}
          maxLength={200}
          onChange={(event) => setDraft({ ...draft, name: event.target.value })}
        />
      </label>
      <label>
        {t('profile.language')}
        <select
          value={draft.locale}
          onChange={(event) => setDraft({ ...draft, locale: asLanguage(event.target.value) })}
          data-testid="profile-language"
        >
          {LANGUAGES.map((code) => (
            <option key={code} value={code}>
              {t(`common:languages.${code}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('profile.timeZone')}
        <select
          value={draft.timeZone ?? ''}
          onChange={(event) => setDraft({ ...draft, timeZone: event.target.value || null })}
        >
          <option value="">{t('profile.orgTimeZone')}</option>
          {timeZones().map((zone) => (
            <option key={zone} value={zone}>
              {zone}
            </option>
          ))}
        </select>
      </label>
      <p className="muted" data-testid="hours-source">
        {draft.workingHoursSource === 'organisation' ? t('profile.hoursFromOrg') : t('profile.hoursOwn')}{' '}
        {draft.workingHoursSource === 'own' && (
          <button type="button" onClick={() => save.mutate({ ...draft, useOrgHours: true })}>
            {t('profile.useOrgHours')}
          </button>
        )}
      </p>
      <fieldset onChange={() => setHoursTouched(true)}>
        <legend>{t('profile.workingDays')}</legend>
        {DAYS.map((day) => (
          <label key={day} className="inline">
            <input
              type="checkbox"
              checked={hours.days.includes(day)}
              onChange={(event) =>
                setDraft({
                  ...draft,
                  workingHours: {
                    ...hours,
                    days: event.target.checked
                      ? [...hours.days, day].sort()
                      : hours.days.filter((d) => d !== day),
                  },
                })
              }
            />
            {t(`common:weekday.${day}`)}
          </label>
        ))}
      </fieldset>
      <div className="row" onChange={() => setHoursTouched(true)}>
        <label>
          {t('profile.from')}
          <input
            type="time"
            value={hours.from}
            onChange={(event) => setDraft({ ...draft, workingHours: { ...hours, from: event.target.value } })}
          />
        </label>
        <label>
          {t('profile.to')}
          <input
            type="time"
            value={hours.to}
            onChange={(event) => setDraft({ ...draft, workingHours: { ...hours, to: event.target.value } })}
          />
        </label>
      </div>
      <label>
        {t('profile.daysOff')}
        <input
          value={daysOff}
          placeholder={t('profile.daysOffPlaceholder')}
          onChange={(event) => {
            setHoursTouched(true);
            setDaysOff(event.target.value);
          }}
        />
      </label>
      <fieldset>
        <legend>{t('profile.afterComplete')}</legend>
        {AFTER.map((value) => (
          <label key={value} className="inline">
            <input
              type="radio"
              name="after-complete"
              checked={draft.preferences.afterCompleteStep === value}
              onChange={() => setDraft({ ...draft, preferences: { afterCompleteStep: value } })}
            />
            {t(`profile.after.${value}`)}
          </label>
        ))}
      </fieldset>
      <ErrorMessage error={save.error} />
      <button type="submit" className="primary" disabled={save.isPending}>
        {t('common:actions.save')}
      </button>
    </form>
  );
}
