import { DateTime } from 'luxon';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { localInstant } from '../../../src/domain/schedule/local-time.ts';
import { snoozePresets } from '../../../src/domain/worklist/snooze-presets.ts';
import { profileZone, useFormat, useProfile } from '../i18n/format.ts';

/**
 * Snooze: one click on a preset (later today, tomorrow morning, next week — on the seller's own clock, from their
 * profile's time zone, else the organisation's), or a chosen date and time — also read on the seller's own clock,
 * the one every time in the app is shown in, not the browser's.
 */
export function SnoozeForm({ busy, onSnooze }: { busy: boolean; onSnooze(until: number): void }) {
  const { t } = useTranslation('walk');
  const format = useFormat();
  const profile = useProfile();
  const zone = profileZone(profile.data) ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  const [until, setUntil] = useState<string | null>(null);
  const presets = snoozePresets(Date.now(), zone);
  const value = until ?? toLocalInput(Date.now() + 86_400_000, zone);
  function submit(event: FormEvent) {
    event.preventDefault();
    onSnooze(fromLocalInput(value, zone));
  }
  return (
    <form className="inline-form snooze-form" onSubmit={submit} aria-label={t('snooze.title')}>
      <div className="button-row" data-testid="snooze-presets">
        {presets.map(({ preset, until: at }, index) => (
          <button
            key={preset}
            type="button"
            data-autofocus={index === 0 ? true : undefined}
            disabled={busy || !profile.isSuccess}
            onClick={() => onSnooze(at)}
            data-testid={`snooze-${preset}`}
          >
            {t(`snooze.${preset}`)} <span className="muted">{format.dateTime(at)}</span>
          </button>
        ))}
      </div>
      <label>
        {t('snooze.custom')}
        <input
          type="datetime-local"
          required
          value={value}
          onChange={(event) => setUntil(event.target.value)}
        />
      </label>
      <button type="submit" className="primary" disabled={busy}>
        {t('snooze.submit')}
      </button>
    </form>
  );
}

/** An instant as a `datetime-local` value on the wall clock of `zone`. */
function toLocalInput(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toFormat("yyyy-MM-dd'T'HH:mm");
}

/** A `datetime-local` value ("2026-12-01T09:00") read on the wall clock of `zone`. */
function fromLocalInput(value: string, zone: string): number {
  const [date = '', time = '00:00'] = value.split('T');
  const [hours = 0, minutes = 0] = time.split(':').map(Number);
  return localInstant(date, hours * 60 + minutes, zone);
}
