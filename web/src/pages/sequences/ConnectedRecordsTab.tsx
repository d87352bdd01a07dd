import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { api } from '../../api/client.ts';
import type { ConnectedRecord, Page, Sequence } from '../../api/types.ts';
import { mayOnSequence } from '../../app/permissions.ts';
import { useSession } from '../../app/session.tsx';
import { useStepName } from '../../components/Badges.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { LoadMore } from '../../components/LoadMore.tsx';
import { PauseDialog, useResume } from '../../components/PauseDialog.tsx';
import { useFormat } from '../../i18n/format.ts';
import { PickRecordsDialog } from './PickRecordsDialog.tsx';

const PAGE = 100;

/**
 * A sequence's connected records, paged: progress, current step, status (a paused one with its reason), a
 * multi-select to pause or resume several at once, and "Connect records" to pick more.
 */
export function ConnectedRecordsTab() {
  const { t } = useTranslation('sequences');
  const stepName = useStepName();
  const format = useFormat();
  const { id } = useParams();
  const { me } = useSession();
  const sequence = useQuery({
    queryKey: ['sequence', id],
    queryFn: () => api<Sequence>('GET', `/api/sequences/${id}`),
    enabled: !!id,
  });
  const [dialog, setDialog] = useState<'connect' | 'pause' | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const resume = useResume();
  const connected = useInfiniteQuery({
    queryKey: ['sequence', id, 'connections'],
    initialPageParam: '',
    queryFn: ({ pageParam }) =>
      api<Page<ConnectedRecord>>(
        'GET',
        `/api/sequences/${id}/connections?limit=${PAGE}${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ''}`,
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const rows = useMemo(() => connected.data?.pages.flatMap((page) => page.items) ?? [], [connected.data]);
  const live = rows.filter((row) => row.status === 'active' || row.status === 'paused');
  const chosen = live.filter((row) => selected.has(row.connectionId));
  const toPause = chosen.filter((row) => row.status === 'active').map((row) => row.connectionId);
  const toResume = chosen.filter((row) => row.status === 'paused').map((row) => row.connectionId);
  const allSelected = live.length > 0 && live.every((row) => selected.has(row.connectionId));
  function toggle(ids: string[], on: boolean) {
    const next = new Set(selected);
    for (const connectionId of ids) {
      if (on) next.add(connectionId);
      else next.delete(connectionId);
    }
    setSelected(next);
  }
  return (
    <div className="form-grid">
      <div className="actions">
        {sequence.data &&
          sequence.data.status !== 'inactive' &&
          mayOnSequence(me, sequence.data, 'connect') && (
            <button type="button" className="primary" onClick={() => setDialog('connect')}>
              {t('connected.connectRecords')}
            </button>
          )}
        <button type="button" disabled={toPause.length === 0} onClick={() => setDialog('pause')}>
          {t('connecting:pause.pauseSelected')}
        </button>
        <button
          type="button"
          disabled={toResume.length === 0 || resume.isPending}
          onClick={() =>
            resume.mutate({ connectionIds: toResume }, { onSuccess: () => setSelected(new Set()) })
          }
        >
          {t('connecting:pause.resumeSelected')}
        </button>
        <span className="muted" role="status">
          {t('connecting:pick.selected', { count: chosen.length })}
        </span>
      </div>
      <ErrorMessage error={connected.error ?? resume.error} />
      <table className="grid" aria-label={t('detail.connected')}>
        <thead>
          <tr>
            <th className="select">
              <input
                type="checkbox"
                aria-label={t('connecting:pause.selectAll')}
                checked={allSelected}
                onChange={(event) =>
                  toggle(
                    live.map((row) => row.connectionId),
                    event.target.checked,
                  )
                }
              />
            </th>
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
            const isLive = row.status === 'active' || row.status === 'paused';
            return (
              <tr key={row.connectionId} data-testid="connected-row">
                <td className="select">
                  {isLive && (
                    <input
                      type="checkbox"
                      aria-label={t('connecting:pause.selectConnection', { name: row.record.name })}
                      checked={selected.has(row.connectionId)}
                      onChange={(event) => toggle([row.connectionId], event.target.checked)}
                    />
                  )}
                </td>
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
                <td data-testid="connection-status">
                  {row.status === 'paused' && row.pause?.note
                    ? t('connecting:pause.pausedBecause', { reason: row.pause.note })
                    : t(`common:connectionStatus.${row.status}`, { defaultValue: row.status })}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {connected.isSuccess && rows.length === 0 && <p className="empty">{t('connected.empty')}</p>}
      <LoadMore
        hasNextPage={!!connected.hasNextPage}
        isFetchingNextPage={connected.isFetchingNextPage}
        fetchNextPage={connected.fetchNextPage}
      />
      {dialog === 'connect' && sequence.data && (
        <PickRecordsDialog sequence={sequence.data} onClose={() => setDialog(null)} />
      )}
      {dialog === 'pause' && (
        <PauseDialog
          connectionIds={toPause}
          onClose={() => setDialog(null)}
          onDone={() => setSelected(new Set())}
        />
      )}
    </div>
  );
}
