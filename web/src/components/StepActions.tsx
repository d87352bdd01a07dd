import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { allowedStepActions } from '../../../src/domain/worklist/step-actions.ts';
import { api } from '../api/client.ts';
import { CALL_OUTCOMES, type Composed, type Page } from '../api/types.ts';
import { Dialog } from './Dialog.tsx';
import { ErrorMessage } from './ErrorMessage.tsx';
import { RichTextEditor } from './RichTextEditor.tsx';

export interface ActionableStep {
  id: string;
  kind: string;
  name: string;
  status: string;
  actions?: string[];
}

type Panel = 'complete' | 'snooze' | 'assign' | 'compose' | null;

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
}: {
  step: ActionableStep;
  onDone?(action: string): void;
  compact?: boolean;
}) {
  const { t } = useTranslation('upnext');
  const client = useQueryClient();
  const [panel, setPanel] = useState<Panel>(null);
  const [note, setNote] = useState('');
  const [outcome, setOutcome] = useState('');
  const [until, setUntil] = useState(() => toLocalInput(Date.now() + 86_400_000));
  const [assignee, setAssignee] = useState('');
  const allowed = stepActions(step);
  const act = useMutation({
    mutationFn: ({ path, body }: { action: string; path: string; body: unknown }) =>
      api('POST', `/api/steps/${step.id}/${path}`, body),
    onSuccess: async (_data, variables) => {
      setPanel(null);
      await client.invalidateQueries();
      onDone?.(variables.action);
    },
  });
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
    <div className={compact ? 'step-actions compact' : 'step-actions'}>
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
            disabled={act.isPending || (isCall && !outcome)}
            data-testid="confirm-complete"
          >
            {t('actions.markComplete')}
          </button>
        </form>
      )}
      {panel === 'snooze' && (
        <form
          className="inline-form"
          onSubmit={(event) => {
            event.preventDefault();
            act.mutate({ action: 'snooze', path: 'snooze', body: { until: new Date(until).getTime() } });
          }}
        >
          <label>
            {t('snoozeUntil')}
            <input
              type="datetime-local"
              required
              value={until}
              onChange={(event) => setUntil(event.target.value)}
            />
          </label>
          <button type="submit" className="primary" disabled={act.isPending}>
            {t('actions.snooze')}
          </button>
        </form>
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

/** The email composer, pre-filled from the step's template; sending completes the step. */
export function ComposeDialog({
  stepId,
  onClose,
  onSent,
}: {
  stepId: string;
  onClose(): void;
  onSent(): void;
}) {
  const { t } = useTranslation('upnext');
  const composed = useQuery({
    queryKey: ['compose', stepId],
    queryFn: () => api<Composed>('GET', `/api/steps/${stepId}/compose`),
  });
  const [subject, setSubject] = useState<string | null>(null);
  const [body, setBody] = useState<string | null>(null);
  const send = useMutation({
    mutationFn: () =>
      api('POST', `/api/steps/${stepId}/send`, {
        subject: subject ?? composed.data?.subject ?? '',
        html: body ?? composed.data?.html ?? '',
      }),
    onSuccess: onSent,
  });
  return (
    <Dialog
      title={t('compose.title')}
      onClose={onClose}
      wide
      footer={
        <>
          <button type="button" onClick={onClose}>
            {t('common:actions.cancel')}
          </button>
          <button
            type="button"
            className="primary"
            disabled={!composed.data || send.isPending}
            onClick={() => send.mutate()}
          >
            {t('compose.send')}
          </button>
        </>
      }
    >
      <ErrorMessage error={composed.error} />
      {composed.data && (
        <div className="form-grid">
          <p>
            <strong>{t('compose.to')}</strong> {composed.data.to}
          </p>
          {(composed.data.missing ?? []).length > 0 && (
            <p role="alert" className="warning">
              {t('compose.missing', { fields: composed.data.missing?.join(', ') })}
            </p>
          )}
          <label>
            {t('compose.subject')}
            <input
              value={subject ?? composed.data.subject}
              onChange={(event) => setSubject(event.target.value)}
            />
          </label>
          <div className="field">
            <span>{t('compose.body')}</span>
            <RichTextEditor label={t('compose.body')} initialHtml={composed.data.html} onChange={setBody} />
          </div>
        </div>
      )}
      <ErrorMessage error={send.error} />
    </Dialog>
  );
}

function toLocalInput(ms: number): string {
  const date = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return date.toISOString().slice(0, 16);
}
