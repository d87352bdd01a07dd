import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type * as Api from '../../../../src/api/contract.ts';
import { api } from '../../api/client.ts';
import type { ConnectResponse } from '../../api/types.ts';
import { codeText } from '../../components/errors.ts';

/**
 * What a connect did: how many records were connected and, for the rest, each refused record by name grouped by
 * reason. A large selection runs as a bulk job; its progress is polled until it ends.
 */
export function ConnectResultView({
  response,
  total,
  names,
}: {
  response: ConnectResponse;
  /** How many records were sent. */
  total: number;
  names?: Map<string, string> | undefined;
}) {
  const { t } = useTranslation('records');
  const jobId = 'jobId' in response ? response.jobId : undefined;
  const job = useQuery({
    queryKey: ['bulk-job', jobId],
    queryFn: () => api<Api.BulkJob>('GET', `/api/bulk-jobs/${jobId}`),
    enabled: !!jobId,
    refetchInterval: (current) =>
      current.state.data?.status === 'done' || current.state.data?.status === 'failed' ? false : 1000,
  });
  const results = 'results' in response ? response.results : [];
  const ended = job.data?.status === 'done' || job.data?.status === 'failed';
  const refused: { recordId: string; reason: string }[] = jobId
    ? ended
      ? (job.data?.refusals ?? [])
      : []
    : results
        .filter((result) => result.status === 'refused')
        .map((result) => ({ recordId: result.recordId, reason: result.reason ?? 'unknown' }));
  const connected = results.filter((result) => result.status === 'connected').length;
  // A job lists refusals up to a limit; counts per reason are always exact.
  const listedAll = !jobId || refused.length === (job.data?.failed ?? 0);
  return (
    <div role="status" data-testid="connect-result">
      <p>
        {jobId && !ended
          ? t('connect.progress', { processed: job.data?.processed ?? 0, total: job.data?.total ?? total })
          : t('connect.connected', {
              count: job.data?.succeeded ?? ('connected' in response ? response.connected : connected),
            })}
      </p>
      {refused.length > 0 && (
        <>
          <p>{t('connect.refused', { count: jobId ? (job.data?.failed ?? 0) : refused.length })}</p>
          <ul data-testid="connect-refusals">
            {[...refusalGroups(refused)].map(([reason, ids]) => (
              <li key={reason}>
                <strong>{codeText(t, `connect_refusal.${reason}`)}</strong>:{' '}
                {ids.map((id) => names?.get(id) ?? t('connect.unnamedRecord')).join(', ')}
              </li>
            ))}
          </ul>
        </>
      )}
      {jobId && ended && !listedAll && job.data && (
        <ul>
          {Object.entries(job.data.refusalsByReason).map(([reason, count]) => (
            <li key={reason}>
              {codeText(t, `connect_refusal.${reason}`)}: {count}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** Refused record ids grouped by reason, in the order the reasons first appear. */
function refusalGroups(refused: { recordId: string; reason: string }[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const result of refused) {
    groups.set(result.reason, [...(groups.get(result.reason) ?? []), result.recordId]);
  }
  return groups;
}
