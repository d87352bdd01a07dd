import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import type { Mailbox, OutboxMessage, Page, Webhook } from '../../api/types.ts';
import { isAdmin } from '../../app/permissions.ts';
import { useSession } from '../../app/session.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { HeldEmailActions } from '../../components/HeldEmails.tsx';
import { ScheduledFor } from '../../components/ScheduledFor.tsx';
import { useFormat } from '../../i18n/format.ts';
import { OauthAppSettings } from './OauthAppSettings.tsx';
import { OauthMailboxBanner, OauthMailboxConnect } from './OauthMailboxConnect.tsx';
import { OUTBOX_STATUSES, OutboxEmailDialog } from './OutboxActivity.tsx';

/** Mailboxes (SMTP) with their daily and hourly limits. */
export function MailboxSettings() {
  const { t } = useTranslation('settings');
  const { me } = useSession();
  const client = useQueryClient();
  const mailboxes = useQuery({
    queryKey: ['mailboxes'],
    queryFn: () => api<Page<Mailbox>>('GET', '/api/mailboxes'),
  });
  const empty = {
    fromName: '',
    fromAddress: '',
    smtpHost: '',
    smtpPort: '587',
    smtpUser: '',
    smtpPassword: '',
    dailyLimit: '',
    hourlyLimit: '',
  };
  const [form, setForm] = useState(empty);
  const create = useMutation({
    mutationFn: () =>
      api('POST', '/api/mailboxes', {
        kind: 'smtp',
        fromName: form.fromName || null,
        fromAddress: form.fromAddress,
        smtp: {
          host: form.smtpHost,
          port: Number(form.smtpPort),
          user: form.smtpUser || null,
          password: form.smtpPassword || null,
        },
        limits: {
          dailyLimit: form.dailyLimit ? Number(form.dailyLimit) : null,
          hourlyLimit: form.hourlyLimit ? Number(form.hourlyLimit) : null,
        },
      }),
    onSuccess: async () => {
      setForm(empty);
      await client.invalidateQueries({ queryKey: ['mailboxes'] });
    },
  });
  const remove = useMutation({
    mutationFn: (id: string) => api('DELETE', `/api/mailboxes/${id}`),
    onSuccess: () => client.invalidateQueries({ queryKey: ['mailboxes'] }),
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate();
  }
  const field = (key: keyof typeof empty, type = 'text') => (
    <label>
      {t(`mailboxes.${key}`)}
      <input
        type={type}
        value={form[key]}
        onChange={(event) => setForm({ ...form, [key]: event.target.value })}
      />
    </label>
  );
  return (
    <section className="card" aria-labelledby="mailboxes-title">
      <h2 id="mailboxes-title">{t('section.mailboxes')}</h2>
      <OauthMailboxBanner />
      <ErrorMessage error={mailboxes.error ?? remove.error} />
      <table className="grid" aria-label={t('section.mailboxes')}>
        <thead>
          <tr>
            <th>{t('mailboxes.fromAddress')}</th>
            <th>{t('mailboxes.smtpHost')}</th>
            <th>{t('mailboxes.dailyLimit')}</th>
            <th>{t('mailboxes.hourlyLimit')}</th>
            <th>
              <span className="visually-hidden">{t('actions')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {(mailboxes.data?.items ?? []).map((mailbox) => (
            <tr key={mailbox.id}>
              <td>
                {mailbox.fromName} {mailbox.fromAddress ?? t('mailboxes.orgRelay')}
              </td>
              <td>{mailbox.smtp ? `${mailbox.smtp.host}:${mailbox.smtp.port}` : t('mailboxes.catchAll')}</td>
              <td className="number">{mailbox.limits.dailyLimit ?? t('mailboxes.orgDefault')}</td>
              <td className="number">{mailbox.limits.hourlyLimit ?? t('mailboxes.orgDefault')}</td>
              <td>
                <button type="button" className="danger" onClick={() => remove.mutate(mailbox.id)}>
                  {t('common:actions.delete')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form className="form-grid two" onSubmit={submit}>
        <h3>{t('mailboxes.add')}</h3>
        {field('fromName')}
        {field('fromAddress', 'email')}
        {field('smtpHost')}
        {field('smtpPort', 'number')}
        {field('smtpUser')}
        {field('smtpPassword', 'password')}
        {field('dailyLimit', 'number')}
        {field('hourlyLimit', 'number')}
        <ErrorMessage error={create.error} />
        <button
          type="submit"
          className="primary"
          disabled={!form.fromAddress || !form.smtpHost || create.isPending}
        >
          {t('mailboxes.add')}
        </button>
      </form>
      <OauthMailboxConnect />
      {isAdmin(me) ? <OauthAppSettings /> : null}
    </section>
  );
}

/** The outbox: queued, held (with the reason), sent and failed emails. */
export function OutboxSettings() {
  const { t } = useTranslation('settings');
  const format = useFormat();
  const [status, setStatus] = useState('');
  const [opened, setOpened] = useState<string | null>(null);
  const outbox = useQuery({
    queryKey: ['outbox', status],
    queryFn: () =>
      api<Page<OutboxMessage>>('GET', `/api/outbox?limit=200${status ? `&status=${status}` : ''}`),
  });
  return (
    <section className="card" aria-labelledby="outbox-title">
      <h2 id="outbox-title">{t('section.outbox')}</h2>
      <label>
        {t('outbox.filter')}{' '}
        <select value={status} onChange={(event) => setStatus(event.target.value)}>
          <option value="">{t('outbox.allStatuses')}</option>
          {OUTBOX_STATUSES.map((value) => (
            <option key={value} value={value}>
              {t(`outbox.statuses.${value}`)}
            </option>
          ))}
        </select>
      </label>
      {opened && <OutboxEmailDialog id={opened} onClose={() => setOpened(null)} />}
      <ErrorMessage error={outbox.error} />
      <table className="grid" aria-label={t('section.outbox')}>
        <thead>
          <tr>
            <th>{t('outbox.to')}</th>
            <th>{t('outbox.subject')}</th>
            <th>{t('outbox.status')}</th>
            <th>{t('outbox.when')}</th>
          </tr>
        </thead>
        <tbody>
          {(outbox.data?.items ?? []).map((message) => (
            <tr key={message.id}>
              <td>{message.to}</td>
              <td>
                <button type="button" className="link" onClick={() => setOpened(message.id)}>
                  {message.subject || t('email:held.template')}
                </button>
              </td>
              <td>
                {t(`outbox.statuses.${message.status}`, { defaultValue: message.status })}
                {message.holdReason && (
                  <div className="muted small">
                    {t(`errors:hold.${message.holdReason}`, { defaultValue: message.holdReason })}
                  </div>
                )}
                {message.status === 'bounced' && message.lastError && (
                  <div className="muted small" data-testid="bounce-reason">
                    {message.lastError}
                  </div>
                )}
                {message.status === 'held' && <HeldEmailActions message={message} />}
              </td>
              <td>
                {message.status === 'queued' && message.notBefore != null ? (
                  <ScheduledFor at={message.notBefore} recipientZone={message.recipientTimeZone} />
                ) : (
                  format.dateTime(message.sentAt ?? message.notBefore ?? message.createdAt)
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {outbox.isSuccess && (outbox.data?.items ?? []).length === 0 && (
        <p className="empty">{t('outbox.empty')}</p>
      )}
    </section>
  );
}

/** Webhooks: URL and events; the signing secret is shown once. */
export function WebhookSettings() {
  const { t } = useTranslation('settings');
  const client = useQueryClient();
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>(['step.completed']);
  const hooks = useQuery({
    queryKey: ['webhooks'],
    queryFn: () => api<{ items: Webhook[]; events: string[] }>('GET', '/api/webhooks'),
  });
  const create = useMutation({
    mutationFn: () => api<Webhook>('POST', '/api/webhooks', { url, events }),
    onSuccess: async () => {
      setUrl('');
      await client.invalidateQueries({ queryKey: ['webhooks'] });
    },
  });
  const change = useMutation({
    mutationFn: (action: () => Promise<unknown>) => action(),
    onSuccess: () => client.invalidateQueries({ queryKey: ['webhooks'] }),
  });
  return (
    <section className="card" aria-labelledby="webhooks-title">
      <h2 id="webhooks-title">{t('section.webhooks')}</h2>
      <ErrorMessage error={hooks.error ?? change.error} />
      <table className="grid" aria-label={t('section.webhooks')}>
        <thead>
          <tr>
            <th>{t('webhooks.url')}</th>
            <th>{t('webhooks.events')}</th>
            <th>{t('webhooks.enabled')}</th>
            <th>
              <span className="visually-hidden">{t('actions')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {(hooks.data?.items ?? []).map((hook) => (
            <tr key={hook.id}>
              <td>{hook.url}</td>
              <td>{hook.events.join(', ')}</td>
              <td>
                <input
                  type="checkbox"
                  aria-label={t('webhooks.enabled')}
                  checked={hook.enabled}
                  onChange={(event) =>
                    change.mutate(() =>
                      api('PATCH', `/api/webhooks/${hook.id}`, { enabled: event.target.checked }),
                    )
                  }
                />
              </td>
              <td>
                <button
                  type="button"
                  className="danger"
                  onClick={() => change.mutate(() => api('DELETE', `/api/webhooks/${hook.id}`))}
                >
                  {t('common:actions.delete')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        className="form-grid"
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate();
        }}
      >
        <label>
          {t('webhooks.url')}
          <input type="url" required value={url} onChange={(event) => setUrl(event.target.value)} />
        </label>
        <fieldset>
          <legend>{t('webhooks.events')}</legend>
          {(hooks.data?.events ?? []).map((name) => (
            <label key={name} className="inline">
              <input
                type="checkbox"
                checked={events.includes(name)}
                onChange={(event) =>
                  setEvents(
                    event.target.checked ? [...events, name] : events.filter((other) => other !== name),
                  )
                }
              />
              <code>{name}</code>
            </label>
          ))}
        </fieldset>
        <ErrorMessage error={create.error} />
        {create.data?.secret && (
          <div role="status" className="secret-once">
            <p className="strong">{t('webhooks.secretOnce')}</p>
            <code>{create.data.secret}</code>
          </div>
        )}
        <button type="submit" className="primary" disabled={!url || events.length === 0 || create.isPending}>
          {t('webhooks.add')}
        </button>
      </form>
    </section>
  );
}
