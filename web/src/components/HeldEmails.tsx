import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { RECONNECT_HOLD_REASON } from '../../../src/domain/oauth-mail-presets.ts';
import { api } from '../api/client.ts';
import type { HeldDraft, OutboxMessage, Page } from '../api/types.ts';
import { useSession } from '../app/session.tsx';
import { Dialog } from './Dialog.tsx';
import { ErrorMessage } from './ErrorMessage.tsx';
import { RichTextEditor } from './RichTextEditor.tsx';

/**
 * Held emails are work: the reason, and what the seller can do: edit and send this one email (sent as written),
 * try again after fixing the record, or cancel it. Each decision lets the sequence go on.
 */
export function HeldEmailActions({ message }: { message: OutboxMessage }) {
  const { t } = useTranslation('email');
  const client = useQueryClient();
  const [editing, setEditing] = useState(false);
  const act = useMutation({
    mutationFn: (name: 'retry' | 'cancel') => api('POST', `/api/outbox/${message.id}/${name}`),
    onSuccess: () => client.invalidateQueries(),
  });
  return (
    <div className="actions" data-testid="held-actions">
      <button type="button" className="primary" onClick={() => setEditing(true)}>
        {t('held.edit')}
      </button>
      <button type="button" title={t('held.retryHint')} onClick={() => act.mutate('retry')}>
        {t('held.retry')}
      </button>
      <button type="button" className="danger" onClick={() => act.mutate('cancel')}>
        {t('held.cancel')}
      </button>
      <ErrorMessage error={act.error} />
      {editing && <HeldEmailDialog id={message.id} onClose={() => setEditing(false)} />}
    </div>
  );
}

function HeldEmailDialog({ id, onClose }: { id: string; onClose(): void }) {
  const { t } = useTranslation('email');
  const client = useQueryClient();
  const draft = useQuery({
    queryKey: ['held-draft', id],
    queryFn: () => api<HeldDraft>('GET', `/api/outbox/${id}/draft`),
  });
  const [subject, setSubject] = useState<string | null>(null);
  const [body, setBody] = useState<string | null>(null);
  const release = useMutation({
    mutationFn: () =>
      api('POST', `/api/outbox/${id}/release`, {
        subject: subject ?? draft.data?.subject ?? '',
        html: body ?? draft.data?.html ?? '',
      }),
    onSuccess: async () => {
      onClose();
      await client.invalidateQueries();
    },
  });
  return (
    <Dialog
      title={t('held.dialogTitle')}
      onClose={onClose}
      wide
      footer={
        <>
          <button type="button" onClick={onClose}>
            {t('common:actions.cancel')}
          </button>
          <button
            type="button"
            className="primary"
            disabled={!draft.data || release.isPending}
            onClick={() => release.mutate()}
          >
            {t('held.send')}
          </button>
        </>
      }
    >
      <ErrorMessage error={draft.error} />
      {draft.data && (
        <div className="form-grid">
          <p>
            <strong>{t('held.to')}</strong> {draft.data.to}
          </p>
          {draft.data.missing.length > 0 && (
            <p role="alert" className="warning">
              {t('held.missing', { fields: draft.data.missing.join(', ') })}
            </p>
          )}
          <label>
            {t('held.subject')}
            <input
              value={subject ?? draft.data.subject}
              onChange={(event) => setSubject(event.target.value)}
            />
          </label>
          <div className="field">
            <span>{t('held.body')}</span>
            <RichTextEditor label={t('held.body')} initialHtml={draft.data.html} onChange={setBody} />
          </div>
        </div>
      )}
      <ErrorMessage error={release.error} />
    </Dialog>
  );
}

/** The record's held emails, above Up next: the step waits here until the seller decides. */
export function HeldEmailsPanel({ recordId }: { recordId: string }) {
  const { t } = useTranslation('email');
  const { me } = useSession();
  const held = useQuery({
    queryKey: ['outbox', 'held', recordId],
    queryFn: () =>
      api<Page<OutboxMessage>>('GET', `/api/outbox?status=held&recordId=${encodeURIComponent(recordId)}`),
  });
  const items = held.data?.items ?? [];
  if (items.length === 0) return null;
  return (
    <section className="card held-emails" aria-labelledby="held-title" data-testid="held-emails">
      <h2 id="held-title">{t('held.title')}</h2>
      <p className="muted">{t('held.intro')}</p>
      <ul className="plain-list">
        {items.map((message) => (
          <li key={message.id} data-testid="held-email">
            <p>
              <strong>{message.subject || t('held.template')}</strong> → {message.to}
            </p>
            <p className="warning">{t('held.reason', { reason: message.holdReason ?? '' })}</p>
            {message.holdReason === RECONNECT_HOLD_REASON && message.senderUserId === me?.userId ? (
              <Link className="button primary" to="/settings/mailboxes#reconnect">
                {t('held.reconnect')}
              </Link>
            ) : null}
            <HeldEmailActions message={message} />
          </li>
        ))}
      </ul>
    </section>
  );
}
