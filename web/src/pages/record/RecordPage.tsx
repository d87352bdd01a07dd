import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import type { RecordFieldDto } from '../../../../src/api/routes/record-field-routes.ts';
import { stageName } from '../../../../src/domain/stages.ts';
import { api } from '../../api/client.ts';
import type { ApiWorkItem, Page, RecordDetail, TimelineEvent } from '../../api/types.ts';
import { useStages } from '../../app/stages.ts';
import { Dialog } from '../../components/Dialog.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { HeldEmailsPanel } from '../../components/HeldEmails.tsx';
import { useFormat, useProfile } from '../../i18n/format.ts';
import { Conversation } from './Conversation.tsx';
import { RecordTimeZone } from './RecordTimeZone.tsx';
import { UpNextPanel } from './UpNextPanel.tsx';

const DETAIL_FIELDS = [
  'company',
  'jobTitle',
  'email',
  'phoneBusiness',
  'phoneMobile',
  'timeZone',
  'stage',
] as const;

/** A record: its details and timeline, with the Up next panel beside them. */
export function RecordPage() {
  const { t } = useTranslation('records');
  const { id } = useParams();
  const client = useQueryClient();
  const record = useQuery({
    queryKey: ['record', id],
    queryFn: () => api<RecordDetail>('GET', `/api/records/${id}`),
  });
  const follow = useMutation({
    mutationFn: (on: boolean) => api(on ? 'POST' : 'DELETE', `/api/records/${id}/follow`),
    onSuccess: () => client.invalidateQueries({ queryKey: ['record', id] }),
  });
  const data = record.data;
  const stages = useStages();
  const customFields = useQuery({
    queryKey: ['record-fields', data?.type],
    queryFn: async () =>
      (await api<{ items: RecordFieldDto[] }>('GET', `/api/record-fields?recordType=${data!.type}`)).items,
    enabled: !!data,
  });
  const profile = useProfile();
  const navigate = useNavigate();
  const [asking, setAsking] = useState(false);
  async function goToNextItem() {
    const next = await api<Page<ApiWorkItem>>('GET', '/api/worklist?limit=5');
    const item = next.items.find((candidate) => candidate.record.id !== id);
    navigate(item ? `/record/${item.record.id}?from=worklist` : '/');
  }
  /** The seller's "after completing a step" preference: next work item, stay on the record, or ask. */
  function afterStep(action: string) {
    if (action !== 'complete' && action !== 'skip') return;
    const preference = profile.data?.preferences.afterCompleteStep ?? 'stay';
    if (preference === 'next_item') void goToNextItem();
    else if (preference === 'ask') setAsking(true);
  }
  return (
    <section className="page record-page">
      <ErrorMessage error={record.error} />
      {data && (
        <>
          <header className="page-header">
            <div>
              <p className="muted">
                <Link to={`/records/${data.type}`}>{t(`common:recordTypePlural.${data.type}`)}</Link>
              </p>
              <h1>{data.name}</h1>
              <p className="muted">
                {t(`common:recordStatus.${data.status}`, { defaultValue: data.status })}
                {data.ownerName && ` · ${t('field.owner')}: ${data.ownerName}`}
              </p>
            </div>
            <div className="actions">
              <button
                type="button"
                aria-pressed={!!data.followed}
                onClick={() => follow.mutate(!data.followed)}
              >
                {data.followed ? t('unfollow') : t('follow')}
              </button>
            </div>
          </header>
          <div className="record-layout">
            <div className="record-main">
              <section className="card" aria-labelledby="details-title">
                <h2 id="details-title">{t('details')}</h2>
                {data.doNotCall && (
                  <p className="warning strong" role="note">
                    {t('upnext:doNotCall')}
                  </p>
                )}
                {data.doNotEmail && (
                  <p className="warning" role="note">
                    {t('doNotEmail')}
                  </p>
                )}
                <dl className="details">
                  {DETAIL_FIELDS.map((field) => {
                    const value = data[field];
                    const shown = field === 'stage' && value ? stageName(stages.data ?? [], value) : value;
                    return (
                      <div key={field}>
                        <dt>{t(`field.${field}`)}</dt>
                        <dd>
                          {field === 'timeZone' ? <RecordTimeZone recordId={data.id} /> : (shown ?? '—')}
                        </dd>
                      </div>
                    );
                  })}
                  {Object.entries(data.custom ?? {}).map(([name, value]) => {
                    const field = customFields.data?.find((item) => item.name === name);
                    const option = field?.options?.find((item) => item.value === String(value));
                    return (
                      <div key={name}>
                        <dt>{field?.label ?? name}</dt>
                        <dd>
                          {value === null || value === undefined ? '—' : (option?.label ?? String(value))}
                        </dd>
                      </div>
                    );
                  })}
                </dl>
              </section>
              <Timeline recordId={data.id} />
              <Conversation recordId={data.id} />
            </div>
            <HeldEmailsPanel recordId={data.id} />
            <UpNextPanel record={data} onStepDone={afterStep} />
          </div>
        </>
      )}
      {asking && (
        <Dialog
          title={t('afterComplete.title')}
          onClose={() => setAsking(false)}
          footer={
            <>
              <button type="button" onClick={() => setAsking(false)}>
                {t('afterComplete.stay')}
              </button>
              <button
                type="button"
                className="primary"
                onClick={() => {
                  setAsking(false);
                  void goToNextItem();
                }}
              >
                {t('afterComplete.next')}
              </button>
            </>
          }
        >
          <p>{t('afterComplete.question')}</p>
        </Dialog>
      )}
    </section>
  );
}

function Timeline({ recordId }: { recordId: string }) {
  const { t } = useTranslation('records');
  const format = useFormat();
  const timeline = useQuery({
    queryKey: ['timeline', recordId],
    queryFn: () => api<Page<TimelineEvent>>('GET', `/api/records/${recordId}/timeline?limit=100`),
  });
  return (
    <section className="card" aria-labelledby="timeline-title">
      <h2 id="timeline-title">{t('timeline')}</h2>
      <ErrorMessage error={timeline.error} />
      <ol className="timeline" data-testid="timeline">
        {(timeline.data?.items ?? []).map((event) => (
          <li key={event.id}>
            <time dateTime={new Date(event.at).toISOString()} title={format.dateTime(event.at)}>
              {format.relative(event.at)}
            </time>{' '}
            <span>{t(`timelineKind.${event.kind}`, { defaultValue: event.summary })}</span>
            {(event.kind === 'connection_paused' || event.kind === 'connection_resumed') &&
              typeof event.data.note === 'string' &&
              event.data.note && <span>: {event.data.note}</span>}
            {event.actor?.name && <span className="muted"> · {event.actor.name}</span>}
          </li>
        ))}
      </ol>
      {timeline.isSuccess && (timeline.data?.items ?? []).length === 0 && (
        <p className="muted">{t('timelineEmpty')}</p>
      )}
    </section>
  );
}
