import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../../api/client.ts';
import type { CrmRecord, UpNext } from '../../api/types.ts';
import { mayInOrg } from '../../app/permissions.ts';
import { useSession } from '../../app/session.tsx';
import { StepTitle } from '../../components/Badges.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { PauseDialog, useResume } from '../../components/PauseDialog.tsx';
import { StepActions } from '../../components/StepActions.tsx';
import { useFormat } from '../../i18n/format.ts';
import { ConnectDialog, DisconnectDialog } from '../records/ConnectDialog.tsx';
import { PhoneNumbers } from './PhoneNumbers.tsx';

/** Up next: the current step and its actions, what comes next, what is done, and the progress. */
export function UpNextPanel({
  record,
  onStepDone,
}: {
  record: CrmRecord;
  onStepDone?(action: string): void;
}) {
  const { t } = useTranslation('upnext');
  const format = useFormat();
  const { me } = useSession();
  const [connecting, setConnecting] = useState(false);
  const [pausing, setPausing] = useState(false);
  const [disconnecting, setDisconnecting] = useState(false);
  const resume = useResume();
  const upNext = useQuery({
    queryKey: ['up-next', record.id],
    queryFn: () => api<UpNext>('GET', `/api/records/${record.id}/up-next`),
  });
  const data = upNext.data;
  // A held email pauses the sequence until the seller sends or cancels it (Held emails); "Resume" would not help.
  const waitsForHeldEmail =
    data?.connection?.status === 'paused' &&
    !data.connection.pause &&
    data.completed.some((step) => step.status === 'held');
  return (
    <aside className="card up-next" aria-labelledby="up-next-title" data-testid="up-next">
      <h2 id="up-next-title">{t('title')}</h2>
      <ErrorMessage error={upNext.error} />
      {data && !data.connection && (
        <div className="empty-state">
          <p>{t('noSequence')}</p>
          {mayInOrg(me, 'create_sequence') && (
            <button type="button" className="primary" onClick={() => setConnecting(true)}>
              {t('connect')}
            </button>
          )}
        </div>
      )}
      {data?.connection && (
        <>
          <p className="muted">
            <Link to={`/sequences/${data.connection.sequence.id}`}>{data.connection.sequence.name}</Link>
          </p>
          {waitsForHeldEmail && (
            <p className="warning" role="note" data-testid="held-note">
              {t('heldEmailWait')}
            </p>
          )}
          {data.connection.status === 'paused' && !waitsForHeldEmail && (
            <p className="warning" role="note" data-testid="paused-note">
              {data.connection.pause?.note
                ? t('connecting:pause.pausedBecause', { reason: data.connection.pause.note })
                : t('connecting:pause.paused')}
              {data.connection.pause?.by?.name && (
                <span className="muted">
                  {' · '}
                  {t('connecting:pause.pausedBy', { name: data.connection.pause.by.name })}
                </span>
              )}
            </p>
          )}
          <div className="actions">
            {waitsForHeldEmail ? null : data.connection.status === 'paused' ? (
              <button
                type="button"
                disabled={resume.isPending}
                onClick={() => data.connection && resume.mutate({ connectionIds: [data.connection.id] })}
              >
                {t('connecting:pause.resume')}
              </button>
            ) : (
              <button type="button" onClick={() => setPausing(true)}>
                {t('connecting:pause.action')}
              </button>
            )}
            <button type="button" onClick={() => setDisconnecting(true)}>
              {t('records:disconnect.action')}
            </button>
          </div>
          <ErrorMessage error={resume.error} />
          {data.progress && (
            <div className="progress">
              <progress
                value={data.progress.done}
                max={Math.max(data.progress.total, 1)}
                aria-label={t('progress')}
              />
              <span>{t('stepsDone', { done: data.progress.done, total: data.progress.total })}</span>
              {data.progress.daysInStep !== null && (
                <span className="muted"> · {t('daysInStep', { count: data.progress.daysInStep })}</span>
              )}
            </div>
          )}
          {data.current ? (
            <section className="current-step" data-testid="current-step" aria-label={t('current')}>
              <h3>
                <StepTitle kind={data.current.kind} name={data.current.name} />
              </h3>
              <p className="muted">
                {data.current.status === 'waiting' ? t('waitingUntil') : t('due')}{' '}
                {format.dateTime(data.current.dueAt)} ({format.relative(data.current.dueAt)})
              </p>
              {data.current.kind === 'phone_call' && <PhoneNumbers record={record} />}
              <StepActions step={{ ...data.current, id: data.current.stepId }} onDone={onStepDone} />
            </section>
          ) : (
            <p className="muted">{t('noCurrent')}</p>
          )}
          {data.upcoming.length > 0 && (
            <section aria-label={t('upcoming')}>
              <h3>{t('upcoming')}</h3>
              <ol className="step-list upcoming" data-testid="upcoming-steps">
                {data.upcoming.map((step) => (
                  <li key={step.nodeId}>
                    <StepTitle kind={step.kind} name={step.name} />
                  </li>
                ))}
              </ol>
            </section>
          )}
          {data.completed.length > 0 && (
            <section aria-label={t('completed')}>
              <h3>{t('completed')}</h3>
              <ol className="step-list done" data-testid="completed-steps">
                {data.completed.map((step) => (
                  <li key={step.stepId}>
                    <StepTitle kind={step.kind} name={step.name} />{' '}
                    <span className="muted">
                      {t(`common:stepStatus.${step.status}`, { defaultValue: step.status })}
                      {step.outcome &&
                        ` · ${t(`common:callOutcome.${step.outcome}`, { defaultValue: step.outcome })}`}
                      {' · '}
                      {format.dateTime(step.at)}
                    </span>
                    {step.note && <div className="note">{step.note}</div>}
                  </li>
                ))}
              </ol>
            </section>
          )}
        </>
      )}
      {pausing && data?.connection && (
        <PauseDialog connectionIds={[data.connection.id]} onClose={() => setPausing(false)} />
      )}
      {disconnecting && data?.connection && (
        <DisconnectDialog recordIds={[record.id]} onClose={() => setDisconnecting(false)} />
      )}
      {connecting && (
        <ConnectDialog
          recordType={record.type}
          recordIds={[record.id]}
          names={new Map([[record.id, record.name]])}
          onClose={() => setConnecting(false)}
        />
      )}
    </aside>
  );
}
