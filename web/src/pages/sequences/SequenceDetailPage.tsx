import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, NavLink, Outlet, useParams } from 'react-router';
import { api } from '../../api/client.ts';
import type { ConnectedRecord, ConnectResponse, Page, Sequence } from '../../api/types.ts';
import { mayInOrg, mayOnSequence } from '../../app/permissions.ts';
import { useSession } from '../../app/session.tsx';
import { StatusBadge, useStepName } from '../../components/Badges.tsx';
import { Dialog } from '../../components/Dialog.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { useFormat } from '../../i18n/format.ts';
import { SequenceInsightsView } from '../insights/SequenceInsightsView.tsx';
import { listVersions } from './sequence-actions.ts';

export function useSequence(id: string | undefined) {
  return useQuery({
    queryKey: ['sequence', id],
    queryFn: () => api<Sequence>('GET', `/api/sequences/${id}`),
    enabled: !!id,
  });
}

/** A sequence: the designer (its own module) plus tabs for connected records, versions and insights. */
export function SequenceDetailPage() {
  const { t } = useTranslation('sequences');
  const { id } = useParams();
  const { me } = useSession();
  const sequence = useSequence(id);
  return (
    <section className="page sequence-detail">
      <nav className="breadcrumbs" aria-label={t('detail.breadcrumbs')}>
        <Link to="/sequences">{t('title')}</Link>
        {sequence.data && (
          <>
            <span aria-hidden="true"> / </span>
            <span>{sequence.data.name}</span> <StatusBadge status={sequence.data.status} />
          </>
        )}
      </nav>
      <ErrorMessage error={sequence.error} />
      <nav className="tabs" aria-label={t('detail.tabs')}>
        <NavLink to={`/sequences/${id}`} end>
          {t('detail.designer')}
        </NavLink>
        <NavLink to={`/sequences/${id}/connected`}>{t('detail.connected')}</NavLink>
        <NavLink to={`/sequences/${id}/versions`}>{t('detail.versions')}</NavLink>
        {mayInOrg(me, 'view_reports') && (
          <NavLink to={`/sequences/${id}/insights`}>{t('detail.insights')}</NavLink>
        )}
      </nav>
      <Outlet />
    </section>
  );
}

export function ConnectedRecordsTab() {
  const { t } = useTranslation('sequences');
  const stepName = useStepName();
  const format = useFormat();
  const { id } = useParams();
  const { me } = useSession();
  const sequence = useSequence(id);
  const [connecting, setConnecting] = useState(false);
  const connected = useQuery({
    queryKey: ['sequence', id, 'connections'],
    queryFn: () => api<Page<ConnectedRecord>>('GET', `/api/sequences/${id}/connections?limit=500`),
  });
  const rows = connected.data?.items ?? [];
  return (
    <div className="form-grid">
      {sequence.data &&
        sequence.data.status !== 'inactive' &&
        mayOnSequence(me, sequence.data, 'connect') && (
          <div className="actions">
            <button type="button" className="primary" onClick={() => setConnecting(true)}>
              {t('connected.connectRecords')}
            </button>
          </div>
        )}
      <ErrorMessage error={connected.error} />
      <table className="grid" aria-label={t('detail.connected')}>
        <thead>
          <tr>
            <th>{t('connected.record')}</th>
            <th>{t('fields.owner')}</th>
            <th>{t('connected.progress')}</th>
            <th>{t('connected.currentStep')}</th>
            <th>{t('connected.daysInStep')}</th>
            <th>{t('connected.version')}</th>
            <th>{t('fields.status')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => {
            const { done, total } = row.progress;
            return (
              <tr key={row.connectionId}>
                <td>
                  <Link to={`/record/${row.record.id}`}>{row.record.name}</Link>
                </td>
                <td>{row.owner.name ?? '—'}</td>
                <td>
                  <progress value={done} max={Math.max(total, 1)} aria-label={t('connected.progress')} />{' '}
                  {t('connected.stepsOf', { done: format.number(done), total: format.number(total) })}
                </td>
                <td>{row.currentStep ? stepName(row.currentStep) : '—'}</td>
                <td className="number">
                  {row.daysInStep === null ? '—' : t('common:count.days', { count: row.daysInStep })}
                </td>
                <td className="number">{row.version ?? '—'}</td>
                <td>{t(`common:connectionStatus.${row.status}`, { defaultValue: row.status })}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {connected.isSuccess && rows.length === 0 && <p className="empty">{t('connected.empty')}</p>}
      {connecting && sequence.data && (
        <ConnectOpenRecordsDialog sequence={sequence.data} onClose={() => setConnecting(false)} />
      )}
    </div>
  );
}

/** "Connect records" from the sequence: the default view, open records of its type without a sequence. */
function ConnectOpenRecordsDialog({ sequence, onClose }: { sequence: Sequence; onClose(): void }) {
  const { t } = useTranslation('sequences');
  const client = useQueryClient();
  const connect = useMutation({
    mutationFn: () =>
      api<ConnectResponse>('POST', `/api/sequences/${sequence.id}/connections`, {
        filter: { view: 'open_without_sequence' },
      }),
    onSuccess: () => client.invalidateQueries(),
  });
  return (
    <Dialog
      title={t('connected.connectRecords')}
      onClose={onClose}
      footer={
        <>
          <button type="button" onClick={onClose}>
            {t('common:actions.close')}
          </button>
          {!connect.isSuccess && (
            <button
              type="button"
              className="primary"
              disabled={connect.isPending}
              onClick={() => connect.mutate()}
            >
              {t('connected.connectAll')}
            </button>
          )}
        </>
      }
    >
      <p>{t('connected.openWithout', { type: t(`common:recordTypePlural.${sequence.recordType}`) })}</p>
      {connect.data && (
        <p role="status">
          {'jobId' in connect.data
            ? t('connected.started')
            : t('connected.result', { connected: connect.data.connected, refused: connect.data.refused })}
        </p>
      )}
      <ErrorMessage error={connect.error} />
    </Dialog>
  );
}

export function VersionsTab() {
  const { t } = useTranslation('sequences');
  const format = useFormat();
  const { id } = useParams();
  const versions = useQuery({ queryKey: ['sequence', id, 'versions'], queryFn: () => listVersions(id!) });
  return (
    <div>
      <ErrorMessage error={versions.error} />
      <ol className="versions" reversed>
        {(versions.data?.items ?? []).map((version) => (
          <li key={version.id} className="card">
            <strong>{t('versions.version', { version: version.version })}</strong>{' '}
            <span className="muted">
              {format.dateTime(version.createdAt)}
              {version.createdByName && ` · ${version.createdByName}`}
            </span>
            <p>{version.changeNote ?? t('versions.noNote')}</p>
          </li>
        ))}
      </ol>
      {versions.isSuccess && (versions.data?.items ?? []).length === 0 && (
        <p className="empty">{t('versions.empty')}</p>
      )}
    </div>
  );
}

export function SequenceInsightsTab() {
  const { id } = useParams();
  return <SequenceInsightsView sequenceId={id!} />;
}
