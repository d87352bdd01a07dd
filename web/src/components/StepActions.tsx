import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { allowedStepActions } from '../../../src/domain/worklist/step-actions.ts';
import { api } from '../api/client.ts';
import { CALL_OUTCOMES, type Page } from '../api/types.ts';
import { useFormat } from '../i18n/format.ts';
import { ComposeDialog } from './ComposeDialog.tsx';
import { ErrorMessage } from './ErrorMessage.tsx';
import { SnoozeForm } from './SnoozeForm.tsx';
import { useToast } from './Toast.tsx';

export interface ActionableStep {
  id: string;
  kind: string;
  name: string;
  status: string;
  actions?: string[];
}

export type Panel = 'complete' | 'snooze' | 'assign' | 'compose' | null;

/** What the step allows: the server's list when it sends one, else the same rule the step routes apply. */
export function stepActions(step: ActionableStep): string[] {
  return step.actions ?? allowedStepActions(step.kind, step.status);
}

/**
 * Mark complete (with a note; a call with its outcome), skip, snooze, skip wait, assign, and compose-and-send for
 * email steps. Used by Up next and by each work-list item.
 */
export function StepActions({
  step,
  onDone,
  compact,
  initialPanel,
}: {
  step: ActionableStep;
  onDone?(action: string): void;
  compact?: boolean;
  /** Opened by a keyboard shortcut on the work list (c, z, e): the panel starts open, its first control focused. */
  initialPanel?: Panel;
}) {
  const { t } = useTranslation('upnext');
  const client = useQueryClient();
  const toast = useToast();
  const format = useFormat();
  const actionToast = ({ action, body }: { action: string; body: unknown }) =>
    action === 'snooze'
      ? t('walk:toast.snooze', { when: format.dateTime((body as { until: number }).until) })
      : t(`walk:toast.${action}`, { defaultValue: '' });
  const [panel, setPanel] = useState<Panel>(initialPanel ?? null);
  const [note, setNote] = useState('');
  const [outcome, setOutcome] = useState('');
  const [assignee, setAssignee] = useState('');
  const allowed = stepActions(step);
  const act = useMutation({
    mutationFn: ({ path, body }: { action: string; path: string; body: unknown }) =>
      api('POST', `/api/steps/${step.id}/${path}`, body),
    onSuccess: async (_data, variables) => {
      setPanel(null);
      toast.show(actionToast(variables));
      await client.invalidateQueries();
      onDone?.(variables.action);
    },
  });
  const container = useRef<HTMLDivElement>(null);
  // A panel that opens moves focus to its first control, so a keyboard user carries on without the mouse.
  useEffect(() => {
    if (panel) container.current?.querySelector<HTMLElement>('[data-autofocus]')?.focus();
  }, [panel]);
  const isCall = step.kind === 'phone_call';
  const isEmail = step.kind === 'email';
  function complete(event: FormEvent) {
    event.preventDefault();
    act.mutate({
      action: 'complete',
      path: 'complete',
      body: { ...(note.trim() ? { note: note.trim() } : {}), ...(isCall ? { outcome } : {}) },
    });
  }
  if (allowed.length === 0) return null;
  return (
    <div className={compact ? 'step-actions compact' : 'step-actions'} ref={container}>
      <div className="button-row">
        {isEmail && allowed.includes('complete') && (
          <button type="button" className="primary" onClick={() => setPanel('compose')}>
            {t('actions.compose')}
          </button>
        )}
        {allowed.includes('complete') && (
          <button
            type="button"
            className={isEmail ? '' : 'primary'}
            aria-expanded={panel === 'complete'}
            onClick={() => setPanel(panel === 'complete' ? null : 'complete')}
          >
            {t('actions.complete')}
          </button>
        )}
        {allowed.includes('skip') && (
          <button type="button" onClick={() => act.mutate({ action: 'skip', path: 'skip', body: {} })}>
            {t('actions.skip')}
          </button>
        )}
        {allowed.includes('snooze') && (
          <button
            type="button"
            aria-expanded={panel === 'snooze'}
            onClick={() => setPanel(panel === 'snooze' ? null : 'snooze')}
          >
            {t('actions.snooze')}
          </button>
        )}
        {allowed.includes('skip_wait') && (
          <button
            type="button"
            onClick={() => act.mutate({ action: 'skip_wait', path: 'skip-wait', body: {} })}
          >
            {t('actions.skipWait')}
          </button>
        )}
        {allowed.includes('assign') && (
          <button
            type="button"
            aria-expanded={panel === 'assign'}
            onClick={() => setPanel(panel === 'assign' ? null : 'assign')}
          >
            {t('actions.assign')}
          </button>
        )}
      </div>
      {panel === 'complete' && (
        <form className="inline-form" onSubmit={complete} aria-label={t('actions.complete')}>
          {isCall && (
            <label>
              {t('outcome.label')}
              <select
                required
                data-autofocus
                value={outcome}
                onChange={(event) => setOutcome(event.target.value)}
                data-testid="call-outcome"
              >
                <option value="">{t('outcome.choose')}</option>
                {CALL_OUTCOMES.map((value) => (
                  <option key={value} value={value}>
                    {t(`common:callOutcome.${value}`)}
                  </option>
                ))}
              </select>
            </label>
          )}
          <label>
            {t('note')}
            <textarea
              rows={2}
              maxLength={4000}
              value={note}
              onChange={(event) => setNote(event.target.value)}
            />
          </label>
          <button
            type="submit"
            className="primary"
            data-autofocus={isCall ? undefined : true}
            disabled={act.isPending || (isCall && !outcome)}
            data-testid="confirm-complete"
          >
            {t('actions.markComplete')}
          </button>
        </form>
      )}
      {panel === 'snooze' && (
        <SnoozeForm
          busy={act.isPending}
          onSnooze={(until) => act.mutate({ action: 'snooze', path: 'snooze', body: { until } })}
        />
      )}
      {panel === 'assign' && (
        <AssignForm
          value={assignee}
          onChange={setAssignee}
          onSubmit={() => act.mutate({ action: 'assign', path: 'assign', body: { userId: assignee } })}
          busy={act.isPending}
        />
      )}
      {panel === 'compose' && (
        <ComposeDialog
          stepId={step.id}
          onClose={() => setPanel(null)}
          onSent={async () => {
            setPanel(null);
            toast.show(t('walk:toast.sent'));
            await client.invalidateQueries();
            onDone?.('complete');
          }}
        />
      )}
      <ErrorMessage error={act.error} />
    </div>
  );
}

function AssignForm({
  value,
  onChange,
  onSubmit,
  busy,
}: {
  value: string;
  onChange(value: string): void;
  onSubmit(): void;
  busy: boolean;
}) {
  const { t } = useTranslation('upnext');
  const users = useQuery({
    queryKey: ['users', 'assignable'],
    queryFn: () => api<Page<{ id: string; name: string }>>('GET', '/api/users?limit=500'),
  });
  return (
    <form
      className="inline-form"
      onSubmit={(event) => {
        event.preventDefault();
        onSubmit();
      }}
    >
      <label>
        {t('assignTo')}
        <select required value={value} onChange={(event) => onChange(event.target.value)}>
          <option value="">{t('chooseSeller')}</option>
          {(users.data?.items ?? []).map((user) => (
            <option key={user.id} value={user.id}>
              {user.name}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" className="primary" disabled={!value || busy}>
        {t('actions.assign')}
      </button>
      <ErrorMessage error={users.error} />
    </form>
  );
}
