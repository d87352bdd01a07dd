import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';

type Preset = 'microsoft' | 'google' | 'generic';

interface OauthApp {
  preset: Preset;
  label: string;
  clientId: string;
  clientSecretSet: boolean;
  tenant: string | null;
  allowedForSellers: boolean;
  mailboxes: number;
}

const EMPTY = {
  preset: 'microsoft' as Preset,
  label: '',
  clientId: '',
  clientSecret: '',
  tenant: 'organizations',
  issuer: '',
  scopes: 'openid email offline_access',
  smtpHost: '',
  smtpPort: '587',
  imapHost: '',
  imapPort: '993',
  allowedForSellers: true,
};

/**
 * Admins register the organisation's OAuth app for mailboxes once per provider (Microsoft 365 with its tenant,
 * Google, or a generic XOAUTH2 provider); sellers then only click "Connect …" (docs/mailboxes.md).
 */
export function OauthAppSettings() {
  const { t } = useTranslation('settings');
  const client = useQueryClient();
  const apps = useQuery({
    queryKey: ['oauth-apps'],
    queryFn: () => api<{ items: OauthApp[]; redirectUri: string }>('GET', '/api/admin/oauth-apps'),
  });
  const [form, setForm] = useState(EMPTY);
  const [saved, setSaved] = useState(false);
  const refresh = async () => {
    await client.invalidateQueries({ queryKey: ['oauth-apps'] });
    await client.invalidateQueries({ queryKey: ['oauth-apps-connectable'] });
  };
  const save = useMutation({
    mutationFn: () =>
      api('PUT', '/api/admin/oauth-apps', {
        preset: form.preset,
        clientId: form.clientId,
        ...(form.clientSecret ? { clientSecret: form.clientSecret } : {}),
        allowedForSellers: form.allowedForSellers,
        ...(form.preset === 'microsoft' ? { tenant: form.tenant || 'organizations' } : {}),
        ...(form.preset === 'generic'
          ? {
              label: form.label,
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
    onSuccess: async () => {
      setForm({ ...EMPTY, preset: form.preset });
      setSaved(true);
      await refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (preset: Preset) => api('DELETE', `/api/admin/oauth-apps/${preset}`),
    onSuccess: refresh,
  });
  const existing = (apps.data?.items ?? []).find((app) => app.preset === form.preset);
  function submit(event: FormEvent) {
    event.preventDefault();
    setSaved(false);
    save.mutate();
  }
  type TextKey = Exclude<keyof typeof EMPTY, 'preset' | 'allowedForSellers'>;
  const field = (key: TextKey, type = 'text', placeholder?: string) => (
    <label>
      {t(`oauthApps.${key}`)}
      <input
        type={type}
        value={form[key]}
        placeholder={placeholder}
        onChange={(event) => setForm({ ...form, [key]: event.target.value })}
      />
    </label>
  );
  return (
    <section aria-labelledby="oauth-apps-title">
      <h3 id="oauth-apps-title">{t('oauthApps.title')}</h3>
      <p className="muted">
        {t('oauthApps.intro')} <code data-testid="oauth-redirect-uri">{apps.data?.redirectUri ?? ''}</code>
      </p>
      <ErrorMessage error={apps.error ?? remove.error} />
      {(apps.data?.items.length ?? 0) > 0 ? (
        <table className="grid" aria-label={t('oauthApps.registered')}>
          <thead>
            <tr>
              <th>{t('oauthApps.preset')}</th>
              <th>{t('oauthApps.clientId')}</th>
              <th>{t('oauthApps.sellers')}</th>
              <th>{t('oauthApps.mailboxes')}</th>
              <th>
                <span className="visually-hidden">{t('actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {(apps.data?.items ?? []).map((app) => (
              <tr key={app.preset}>
                <td>
                  {app.label}
                  {app.tenant ? ` (${app.tenant})` : ''}
                </td>
                <td>{app.clientId}</td>
                <td>{app.allowedForSellers ? t('oauthApps.yes') : t('oauthApps.no')}</td>
                <td className="number">{app.mailboxes}</td>
                <td>
                  <button type="button" className="danger" onClick={() => remove.mutate(app.preset)}>
                    {t('oauthApps.remove')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <form className="form-grid two" onSubmit={submit} aria-label={t('oauthApps.title')}>
        <label>
          {t('oauthApps.preset')}
          <select
            value={form.preset}
            onChange={(event) => setForm({ ...EMPTY, preset: event.target.value as Preset })}
          >
            <option value="microsoft">{t('oauthMailbox.microsoft')}</option>
            <option value="google">{t('oauthMailbox.google')}</option>
            <option value="generic">{t('oauthMailbox.generic')}</option>
          </select>
        </label>
        {form.preset === 'microsoft' ? field('tenant') : null}
        {form.preset === 'generic' ? field('label') : null}
        {field('clientId')}
        {field(
          'clientSecret',
          'password',
          existing?.clientSecretSet ? t('oauthApps.clientSecretKept') : undefined,
        )}
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
        <label className="inline">
          <input
            type="checkbox"
            checked={form.allowedForSellers}
            onChange={(event) => setForm({ ...form, allowedForSellers: event.target.checked })}
          />
          {t('oauthApps.allowedForSellers')}
        </label>
        <ErrorMessage error={save.error} />
        {saved ? (
          <p role="status" className="strong">
            {t('oauthApps.saved')}
          </p>
        ) : null}
        <button
          type="submit"
          className="primary"
          disabled={!form.clientId || (!form.clientSecret && !existing) || save.isPending}
        >
          {t('oauthApps.save')}
        </button>
      </form>
    </section>
  );
}
