import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { SequenceOptions } from '../../../../src/domain/sequence/definition.ts';
import { api } from '../../api/client.ts';
import { useDesigner } from '../designer-context.tsx';
import { Hint } from './shared.tsx';

/** The sequence's own settings, shown when no node is selected. */
export function SequenceOptionsPanel({
  options,
  onChange,
}: {
  options: SequenceOptions;
  onChange(options: SequenceOptions): void;
}) {
  const { t } = useTranslation('designer');
  const { readOnly } = useDesigner();
  const schedules = useQuery({
    queryKey: ['schedules'],
    queryFn: () =>
      api<{ items: { id: string; name: string; isDefault: boolean }[] }>('GET', '/api/schedules'),
  });
  const flag = (key: 'exitOnReply' | 'skipNonWorkingDays' | 'trackOpens' | 'trackClicks') => (
    <label className="designer-check">
      <input
        type="checkbox"
        checked={options[key]}
        data-testid={`option-${key}`}
        onChange={(e) => onChange({ ...options, [key]: e.target.checked })}
      />
      {t(`options.${key}`)}
    </label>
  );
  return (
    <section className="designer-panel" aria-labelledby="designer-options-title" data-testid="options-panel">
      <header className="designer-panel-head">
        <h2 id="designer-options-title">{t('options.title')}</h2>
      </header>
      <fieldset className="designer-props" disabled={readOnly}>
        {flag('exitOnReply')}
        {flag('skipNonWorkingDays')}
        <label>
          {t('options.schedule')}
          <select
            value={options.scheduleId ?? ''}
            data-testid="option-schedule"
            onChange={(e) => onChange({ ...options, scheduleId: e.target.value || null })}
          >
            <option value="">{t('options.scheduleDefault')}</option>
            {(schedules.data?.items ?? []).map((schedule) => (
              <option key={schedule.id} value={schedule.id}>
                {schedule.name}
              </option>
            ))}
          </select>
        </label>
        <Hint>{t('options.scheduleHint')}</Hint>
        {options.sendWindow && (
          <label className="designer-check">
            <input
              type="checkbox"
              checked={options.sendWindow !== null}
              onChange={(e) =>
                onChange({ ...options, sendWindow: e.target.checked ? { from: '09:00', to: '17:00' } : null })
              }
            />
            {t('options.sendWindowLegacy')}
          </label>
        )}
        {options.sendWindow && (
          <div className="designer-inline">
            <label>
              {t('options.from')}
              <input
                type="time"
                value={options.sendWindow.from}
                onChange={(e) =>
                  e.target.value &&
                  onChange({ ...options, sendWindow: { ...options.sendWindow!, from: e.target.value } })
                }
              />
            </label>
            <label>
              {t('options.to')}
              <input
                type="time"
                value={options.sendWindow.to}
                onChange={(e) =>
                  e.target.value &&
                  onChange({ ...options, sendWindow: { ...options.sendWindow!, to: e.target.value } })
                }
              />
            </label>
          </div>
        )}
        {options.sendWindow && <Hint>{t('options.sendWindowHint')}</Hint>}
        {flag('trackOpens')}
        {flag('trackClicks')}
        <Hint>{t('options.trackOpensHint')}</Hint>
      </fieldset>
      <Hint>{t('options.selectHint')}</Hint>
    </section>
  );
}
