import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../../api/client.ts';

interface OauthStatus {
  mailboxId: string;
  status: 'pending' | 'connected' | 'reconnect_needed';
  heldEmails: number;
  fromAddress: string | null;
}

/**
 * The work list's first item while one of the seller's OAuth mailboxes needs reconnecting (issue 19): how many
 * emails wait, and a link to Settings → Mailboxes → Reconnect. Gone once the mailbox is connected again.
 */
export function MailboxReconnectItem() {
  const { t } = useTranslation('worklist');
  const statuses = useQuery({
    queryKey: ['mailbox-oauth'],
    queryFn: () => api<{ items: OauthStatus[] }>('GET', '/api/mailboxes/oauth'),
  });
  const waiting = (statuses.data?.items ?? []).filter((item) => item.status === 'reconnect_needed');
  return (
    <>
      {waiting.map((item) => (
        <article
          key={item.mailboxId}
          className="work-item overdue"
          data-testid="work-item-reconnect"
          aria-label={t('reconnect.title', { address: item.fromAddress ?? '' })}
        >
          <div className="work-item-main">
            <div className="work-item-text">
              <span className="strong">{t('reconnect.title', { address: item.fromAddress ?? '' })}</span>
              <span className="muted">
                {' · '}
                {t('reconnect.held', { count: item.heldEmails })}
              </span>
            </div>
            <Link className="button primary" to="/settings/mailboxes#reconnect">
              {t('reconnect.action')}
            </Link>
          </div>
        </article>
      ))}
    </>
  );
}
