import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, query } from '../../api/client.ts';
import type { Page } from '../../api/types.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { useFormat } from '../../i18n/format.ts';

/** GET /api/admin/dead-tasks item (the `DeadTask` schema of the OpenAPI document). */
interface DeadTask {
  id: string;
  connectionId: string;
  kind: string;
  eventType: string | null;
  attempts: number;
  lastError: string | null;
  diedAt: number;
  record: { id: string; name: string } | null;
  sequence: { id: string; name: string } | null;
}

/** Engine tasks given up on (failed or crashed their worker 5 times), with a requeue per task; admins only. */
export function EngineTaskSettings() {
  const { t } = useTranslation('settings');
  const format = useFormat();
  const client = useQueryClient();
  const tasks = useInfiniteQuery({
    queryKey: ['dead-tasks'],
    initialPageParam: '',
    queryFn: ({ pageParam }) =>
      api<Page<DeadTask>>('GET', `/api/admin/dead-tasks${query({ cursor: pageParam, limit: 100 })}`),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const requeue = useMutation({
    mutationFn: (id: string) => api<null>('POST', `/api/admin/dead-tasks/${id}/requeue`),
    onSuccess: () => client.invalidateQueries({ queryKey: ['dead-tasks'] }),
  });
  const rows = tasks.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <section className="card" aria-labelledby="engine-tasks-title">
      <h2 id="engine-tasks-title">{t('section.engine-tasks')}</h2>
      <p className="muted">{t('engineTasks.help')}</p>
      <ErrorMessage error={tasks.error ?? requeue.error} />
      {tasks.isSuccess && rows.length === 0 && <p>{t('engineTasks.none')}</p>}
      {rows.length > 0 && (
        <table className="grid" aria-label={t('section.engine-tasks')}>
          <thead>
            <tr>
              <th>{t('engineTasks.when')}</th>
              <th>{t('engineTasks.record')}</th>
              <th>{t('engineTasks.sequence')}</th>
              <th>{t('engineTasks.event')}</th>
              <th>{t('engineTasks.attempts')}</th>
              <th>{t('engineTasks.error')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {rows.map((task) => (
              <tr key={task.id}>
                <td>{format.dateTime(task.diedAt)}</td>
                <td>
                  {task.record ? <Link to={`/records/${task.record.id}`}>{task.record.name}</Link> : '—'}
                </td>
                <td>{task.sequence?.name ?? '—'}</td>
                <td>
                  <code>{task.eventType ?? task.kind}</code>
                </td>
                <td>{task.attempts}</td>
                <td className="small">{task.lastError}</td>
                <td>
                  <button
                    type="button"
                    disabled={requeue.isPending}
                    onClick={() => requeue.mutate(task.id)}
                    aria-label={t('engineTasks.requeueFor', { name: task.record?.name ?? task.id })}
                  >
                    {t('engineTasks.requeue')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {tasks.hasNextPage && (
        <button type="button" onClick={() => void tasks.fetchNextPage()}>
          {t('audit.more')}
        </button>
      )}
    </section>
  );
}
