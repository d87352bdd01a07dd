import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import type { ScheduledEmail } from '../../api/types.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { ScheduledFor } from '../../components/ScheduledFor.tsx';

/** The sequence's automated emails waiting to go, soonest first, each in the recipient's and the viewer's time. */
export function ScheduledEmails({ sequenceId }: { sequenceId: string }) {
  const { t } = useTranslation('insights');
  const scheduled = useQuery({
    queryKey: ['scheduled-emails', sequenceId],
    queryFn: () => api<{ items: ScheduledEmail[] }>('GET', `/api/sequences/${sequenceId}/scheduled-emails`),
  });
  const items = scheduled.data?.items ?? [];
  return (
    <section aria-labelledby="scheduled-emails-title">
      <h3 id="scheduled-emails-title">{t('scheduled.title')}</h3>
      <ErrorMessage error={scheduled.error} />
      {items.length > 0 && (
        <table className="grid" aria-label={t('scheduled.title')}>
          <thead>
            <tr>
              <th>{t('scheduled.to')}</th>
              <th>{t('scheduled.subject')}</th>
              <th>{t('scheduled.when')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((item) => (
              <tr key={item.id} data-testid="scheduled-email">
                <td>{item.to}</td>
                <td>{item.subject || '—'}</td>
                <td>
                  <ScheduledFor at={item.scheduledFor} recipientZone={item.recipientTimeZone} />
                  {item.holdReason && <div className="muted small">{item.holdReason}</div>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {scheduled.isSuccess && items.length === 0 && <p className="empty">{t('scheduled.empty')}</p>}
    </section>
  );
}
