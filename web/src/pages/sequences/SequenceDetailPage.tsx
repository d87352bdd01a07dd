import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, NavLink, Outlet, useParams } from 'react-router';
import { api } from '../../api/client.ts';
import type { Sequence } from '../../api/types.ts';
import { mayInOrg } from '../../app/permissions.ts';
import { useSession } from '../../app/session.tsx';
import { StatusBadge } from '../../components/Badges.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { useFormat } from '../../i18n/format.ts';
import { SequenceInsightsView } from '../insights/SequenceInsightsView.tsx';
import { ShareDialog } from './ShareDialog.tsx';
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
  const [sharing, setSharing] = useState(false);
  return (
    <section className="page sequence-detail">
      <header className="page-header">
        <nav className="breadcrumbs" aria-label={t('detail.breadcrumbs')}>
          <Link to="/sequences">{t('title')}</Link>
          {sequence.data && (
            <>
              <span aria-hidden="true"> / </span>
              <span>{sequence.data.name}</span> <StatusBadge status={sequence.data.status} />
            </>
          )}
        </nav>
        {!sequence.isError && sequence.data?.permissions.share && (
          <button type="button" onClick={() => setSharing(true)}>
            {t('actions.share')}
          </button>
        )}
      </header>
      {sharing && sequence.data && <ShareDialog sequence={sequence.data} onClose={() => setSharing(false)} />}
      <ErrorMessage error={sequence.error} />
      {/* A deleted or invisible sequence is only that message, not empty tabs whose actions fail. */}
      {!sequence.isError && (
        <>
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
        </>
      )}
    </section>
  );
}

export { ConnectedRecordsTab } from './ConnectedRecordsTab.tsx';

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
