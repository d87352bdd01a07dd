import { useMutation, useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { api } from '../../api/client.ts';
import { useSession } from '../../app/session.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';

type Preset = 'microsoft' | 'google' | 'generic';

/**
 * Connect your own mailbox with OAuth in one click: the organisation's app registration (made by an admin,
 * OauthAppSettings.tsx) gives the client and servers; the browser goes to the provider to sign in and comes back
 * here, where `?connected=` confirms (docs/mailboxes.md).
 */
export function OauthMailboxConnect() {
  const { t } = useTranslation('settings');
  const { me } = useSession();
  const [params] = useSearchParams();
  const apps = useQuery({
    queryKey: ['oauth-apps-connectable'],
    queryFn: () => api<{ items: { preset: Preset; label: string }[] }>('GET', '/api/mailboxes/oauth/apps'),
  });
  const connect = useMutation({
    mutationFn: (preset: Preset) => api<{ startUrl: string }>('POST', '/api/mailboxes/oauth', { preset }),
    onSuccess: (answer) => window.location.assign(answer.startUrl),
  });
  const items = apps.data?.items ?? [];
  return (
    <section className="form-grid" aria-labelledby="oauth-mailbox-title">
      <h3 id="oauth-mailbox-title">{t('oauthMailbox.title')}</h3>
      {params.get('connected') ? (
        <p role="status" className="strong">
          {t('oauthMailbox.connected', { count: Number(params.get('released') ?? 0) })}
        </p>
      ) : null}
      {apps.isSuccess && items.length === 0 ? <p className="muted">{t('oauthMailbox.noApps')}</p> : null}
      {items.length > 0 ? (
        <p className="muted">{t('oauthMailbox.oneClick', { address: me?.email ?? '' })}</p>
      ) : null}
      <ErrorMessage error={apps.error ?? connect.error} />
      <div className="actions">
        {items.map((app) => (
          <button
            key={app.preset}
            type="button"
            className="primary"
            disabled={connect.isPending}
            onClick={() => connect.mutate(app.preset)}
          >
            {app.preset === 'generic'
              ? t('oauthMailbox.connectWith', { label: app.label })
              : t(`oauthMailbox.connect.${app.preset}`)}
          </button>
        ))}
      </div>
    </section>
  );
}

interface OauthStatus {
  mailboxId: string;
  status: 'pending' | 'connected' | 'reconnect_needed';
  statusReason: string | null;
  heldEmails: number;
}

/** The caller's OAuth mailboxes with their status (the banner here and the work-list item). */
export function useOauthMailboxes() {
  return useQuery({
    queryKey: ['mailbox-oauth'],
    queryFn: () => api<{ items: OauthStatus[] }>('GET', '/api/mailboxes/oauth'),
  });
}

/** "Reconnect needed": the provider refused the sign-in; the seller's emails are held until they reconnect. */
export function OauthMailboxBanner() {
  const { t } = useTranslation('settings');
  const statuses = useOauthMailboxes();
  const waiting = (statuses.data?.items ?? []).filter((item) => item.status !== 'connected');
  return (
    <>
      {waiting.map((item, index) => (
        <div
          key={item.mailboxId}
          id={index === 0 ? 'reconnect' : undefined}
          role="alert"
          className="callout warning"
        >
          <p>
            {t(item.status === 'pending' ? 'oauthMailbox.pending' : 'oauthMailbox.reconnectNeeded')}{' '}
            {item.heldEmails > 0 ? `${t('oauthMailbox.heldEmails', { count: item.heldEmails })} ` : ''}
            {item.statusReason ?? ''}
          </p>
          <a className="button primary" href={`/api/mailboxes/${item.mailboxId}/oauth/start`}>
            {t('oauthMailbox.reconnect')}
          </a>
        </div>
      ))}
    </>
  );
}
