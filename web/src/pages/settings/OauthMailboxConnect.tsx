import { useMutation, useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { api } from '../../api/client.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';

type Preset = 'microsoft' | 'google' | 'generic';

/**
 * Connect your own mailbox with OAuth (Microsoft 365, Google, or any XOAUTH2 provider): the form creates it and
 * the browser goes to the provider to sign in; back here, `?connected=` confirms (docs/mailboxes.md).
 */
export function OauthMailboxConnect() {
  const { t } = useTranslation('settings');
  const [params] = useSearchParams();
  const empty = {
    preset: 'microsoft' as Preset,
    clientId: '',
    clientSecret: '',
    fromName: '',
    fromAddress: '',
    issuer: '',
    scopes: 'openid email offline_access',
    smtpHost: '',
    smtpPort: '587',
    imapHost: '',
    imapPort: '993',
  };
  const [form, setForm] = useState(empty);
  const connect = useMutation({
    mutationFn: () =>
      api<{ startUrl: string }>('POST', '/api/mailboxes/oauth', {
        preset: form.preset,
        clientId: form.clientId,
        clientSecret: form.clientSecret,
        fromName: form.fromName || null,
        fromAddress: form.fromAddress,
        ...(form.preset === 'generic'
          ? {
              issuer: form.issuer,
              scopes: form.scopes,
              smtp: {
                host: form.smtpHost,
                port: Number(form.smtpPort),
                secure: Number(form.smtpPort) === 465,
              },
              imap: form.imapHost
                ? { host: form.imapHost, port: Number(form.imapPort), secure: Number(form.imapPort) === 993 }
                : null,
            }
          : {}),
      }),
    onSuccess: (answer) => window.location.assign(answer.startUrl),
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    connect.mutate();
  }
  type Key = Exclude<keyof typeof empty, 'preset'>;
  const field = (key: Key, type = 'text') => (
    <label>
      {t(`oauthMailbox.${key}`)}
      <input
        type={type}
        value={form[key]}
        onChange={(event) => setForm({ ...form, [key]: event.target.value })}
      />
    </label>
  );
  return (
    <form className="form-grid two" onSubmit={submit} aria-labelledby="oauth-mailbox-title">
      <h3 id="oauth-mailbox-title">{t('oauthMailbox.title')}</h3>
      {params.get('connected') ? (
        <p role="status" className="strong">
          {t('oauthMailbox.connected', { count: Number(params.get('released') ?? 0) })}
        </p>
      ) : null}
      <label>
        {t('oauthMailbox.preset')}
        <select
          value={form.preset}
          onChange={(event) => setForm({ ...form, preset: event.target.value as Preset })}
        >
          <option value="microsoft">{t('oauthMailbox.microsoft')}</option>
          <option value="google">{t('oauthMailbox.google')}</option>
          <option value="generic">{t('oauthMailbox.generic')}</option>
        </select>
      </label>
      {field('fromName')}
      {field('fromAddress', 'email')}
      {field('clientId')}
      {field('clientSecret', 'password')}
      {form.preset === 'generic' ? (
        <>
          {field('issuer', 'url')}
          {field('scopes')}
          {field('smtpHost')}
          {field('smtpPort', 'number')}
          {field('imapHost')}
          {field('imapPort', 'number')}
        </>
      ) : null}
      <ErrorMessage error={connect.error} />
      <button
        type="submit"
        className="primary"
        disabled={!form.fromAddress || !form.clientId || !form.clientSecret || connect.isPending}
      >
        {t(`oauthMailbox.connect.${form.preset}`)}
      </button>
    </form>
  );
}

interface OauthStatus {
  mailboxId: string;
  status: 'pending' | 'connected' | 'reconnect_needed';
  statusReason: string | null;
}

/** "Reconnect needed": the provider refused the sign-in; the seller's emails are held until they reconnect. */
export function OauthMailboxBanner() {
  const { t } = useTranslation('settings');
  const statuses = useQuery({
    queryKey: ['mailbox-oauth'],
    queryFn: () => api<{ items: OauthStatus[] }>('GET', '/api/mailboxes/oauth'),
  });
  const waiting = (statuses.data?.items ?? []).filter((item) => item.status !== 'connected');
  return (
    <>
      {waiting.map((item) => (
        <div key={item.mailboxId} role="alert" className="callout warning">
          <p>
            {t(item.status === 'pending' ? 'oauthMailbox.pending' : 'oauthMailbox.reconnectNeeded')}{' '}
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
