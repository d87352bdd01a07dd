import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { RECONNECT_HOLD_REASON } from '../../../src/domain/oauth-mail-presets.ts';
import { api } from '../api/client.ts';
import type { HeldDraft, OutboxMessage, Page } from '../api/types.ts';
import { useSession } from '../app/session.tsx';
import { EmailComposerDialog } from './EmailComposerDialog.tsx';
import { ErrorMessage } from './ErrorMessage.tsx';

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

/**
 * A held email in the composer: its template source (with the placeholder that has no value) in the same editor,
 * placeholder picker and live preview as compose; releasing renders the text once for the record and sends it.
 */
function HeldEmailDialog({ id, onClose }: { id: string; onClose(): void }) {
  const { t } = useTranslation('email');
  const client = useQueryClient();
  const draft = useQuery({
    queryKey: ['held-draft', id],
    queryFn: () => api<HeldDraft>('GET', `/api/outbox/${id}/draft`),
  });
  const source = draft.data?.source ?? { subject: '', html: '' };
  return (
    <EmailComposerDialog
      title={t('held.dialogTitle')}
      sendLabel={t('held.send')}
      draft={draft.data}
      draftError={draft.error}
      source={source}
      previewPath={`/api/outbox/${id}/draft/preview`}
      send={(written) => api('POST', `/api/outbox/${id}/release`, { ...written, format: 'template' })}
      onSent={async () => {
        onClose();
        await client.invalidateQueries();
      }}
      onClose={onClose}
    />
  );
}

/**
 * Held emails waiting for a decision, above Up next on the record page (`recordId`) and at the top of the seller's
 * work list (`mine`: the signed-in seller's own): the step waits here until the seller decides.
 */
export function HeldEmailsPanel({ recordId, mine }: { recordId?: string; mine?: boolean }) {
  const { t } = useTranslation('email');
  const { me } = useSession();
  const senderUserId = mine ? me?.userId : undefined;
  const filter = recordId
    ? `&recordId=${encodeURIComponent(recordId)}`
    : senderUserId
      ? `&senderUserId=${encodeURIComponent(senderUserId)}`
      : '';
  const held = useQuery({
    enabled: !mine || Boolean(senderUserId),
    queryKey: ['outbox', 'held', recordId ?? senderUserId ?? ''],
    queryFn: () => api<Page<OutboxMessage>>('GET', `/api/outbox?status=held${filter}`),
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
