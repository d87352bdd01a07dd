import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client.ts';
import { Dialog } from './Dialog.tsx';
import { ErrorMessage } from './ErrorMessage.tsx';
import { useToast } from './Toast.tsx';

const PRESETS = ['out_of_office', 'asked_to_wait', 'in_talks', 'other'] as const;
type Preset = (typeof PRESETS)[number];

interface StateChange {
  changed: number;
  results: { connectionId: string; status: string }[];
}

/** Pause or resume connections through the bulk routes; the outcome is one toast (and one for the unchanged). */
function useStateChange(action: 'pause' | 'resume') {
  const { t } = useTranslation('connecting');
  const client = useQueryClient();
  const toast = useToast();
  return useMutation({
    mutationFn: (input: { connectionIds: string[]; note?: string }) =>
      api<StateChange>('POST', `/api/connections/${action}`, input),
    onSuccess: async (result) => {
      if (result.changed > 0) {
        toast.show(
          t(action === 'pause' ? 'pause.toastPaused' : 'pause.toastResumed', { count: result.changed }),
        );
      }
      const unchanged = result.results.length - result.changed;
      if (unchanged > 0) toast.show(t('pause.unchanged', { count: unchanged }));
      await client.invalidateQueries();
    },
  });
}

/** Resumes the given connections at once (no reason needed); confirms with a toast. */
export function useResume() {
  return useStateChange('resume');
}

/**
 * Pause one or more connections with a reason: a preset (out of office, asked to wait, in direct talks) with
 * optional details, or "Other" with the reason written out. The reason is required.
 */
export function PauseDialog({
  connectionIds,
  onClose,
  onDone,
}: {
  connectionIds: string[];
  onClose(): void;
  onDone?(): void;
}) {
  const { t } = useTranslation('connecting');
  const [ids] = useState(connectionIds);
  const [preset, setPreset] = useState<Preset | null>(null);
  const [details, setDetails] = useState('');
  const detailsId = useId();
  const pause = useStateChange('pause');
  const written = details.trim();
  const note =
    preset === null || (preset === 'other' && !written)
      ? null
      : preset === 'other'
        ? written
        : `${t(`pause.presets.${preset}`)}${written ? `: ${written}` : ''}`;
  return (
    <Dialog
      title={t('pause.title', { count: ids.length })}
      onClose={onClose}
      footer={
        <>
          <button type="button" onClick={onClose}>
            {t('common:actions.cancel')}
          </button>
          <button
            type="button"
            className="primary"
            disabled={!note || pause.isPending}
            data-testid="confirm-pause"
            onClick={() =>
              note &&
              pause.mutate(
                { connectionIds: ids, note },
                {
                  onSuccess: () => {
                    onDone?.();
                    onClose();
                  },
                },
              )
            }
          >
            {t('pause.submit')}
          </button>
        </>
      }
    >
      <p>{t('pause.explain')}</p>
      <fieldset className="choice-list">
        <legend>{t('pause.reason')}</legend>
        {PRESETS.map((value) => (
          <label key={value} className="inline">
            <input
              type="radio"
              name="pause-reason"
              value={value}
              checked={preset === value}
              onChange={() => setPreset(value)}
            />
            {t(`pause.presets.${value}`)}
          </label>
        ))}
      </fieldset>
      <label htmlFor={detailsId}>
        {preset === 'other' ? t('pause.details') : t('pause.detailsOptional')}
      </label>
      <textarea
        id={detailsId}
        rows={2}
        maxLength={400}
        value={details}
        onChange={(event) => setDetails(event.target.value)}
        required={preset === 'other'}
      />
      {!note && <p className="muted">{t('pause.required')}</p>}
      <ErrorMessage error={pause.error} />
    </Dialog>
  );
}
