import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { snoozePresets } from '../../../src/domain/worklist/snooze-presets.ts';
import { useFormat, useProfile } from '../i18n/format.ts';

/**
 * Snooze: one click on a preset (later today, tomorrow morning, next week — on the seller's own clock, from their
 * profile's time zone), or a chosen date and time.
 */
export function SnoozeForm({ busy, onSnooze }: { busy: boolean; onSnooze(until: number): void }) {
  const { t } = useTranslation('walk');
  const format = useFormat();
  const profile = useProfile();
  const zone = profile.data?.timeZone || Intl.DateTimeFormat().resolvedOptions().timeZone;
  const [until, setUntil] = useState(() => toLocalInput(Date.now() + 86_400_000));
  const presets = snoozePresets(Date.now(), zone);
  function submit(event: FormEvent) {
    event.preventDefault();
    onSnooze(new Date(until).getTime());
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
          value={until}
          onChange={(event) => setUntil(event.target.value)}
        />
      </label>
      <button type="submit" className="primary" disabled={busy}>
        {t('snooze.submit')}
      </button>
    </form>
  );
}

function toLocalInput(ms: number): string {
  const date = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return date.toISOString().slice(0, 16);
}
