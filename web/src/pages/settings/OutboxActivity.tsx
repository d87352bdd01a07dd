import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import { Dialog } from '../../components/Dialog.tsx';
import { EmailPreview } from '../../components/EmailPreview.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { useFormat } from '../../i18n/format.ts';

/** GET /api/outbox/:id/activity: one email as sent, its events, replies and SMTP response. */
interface OutboxActivity {
  id: string;
  status: string;
  to: string;
  subject: string;
  message: { asSent: boolean; html: string; text: string } | null;
  holdReason: string | null;
  smtpResponse: string | null;
  attempts: number;
  sentAt: number | null;
  createdAt: number;
  events: { id: string; type: string; machine: boolean; occurredAt: number; data: Record<string, unknown> }[];
  replies: { from: string | null; subject: string; text: string; receivedAt: number }[];
}

export const OUTBOX_STATUSES = [
  'queued',
  'held',
  'sending',
  'sent',
  'failed',
  'canceled',
  'bounced',
] as const;

/** One email of the outbox opened: the message exactly as sent (HTML in a sandboxed frame), events and SMTP answer. */
export function OutboxEmailDialog({ id, onClose }: { id: string; onClose(): void }) {
  const { t } = useTranslation('settings');
  const format = useFormat();
  const activity = useQuery({
    queryKey: ['outbox-activity', id],
    queryFn: () => api<OutboxActivity>('GET', `/api/outbox/${encodeURIComponent(id)}/activity`),
  });
  const email = activity.data;
  return (
    <Dialog title={email?.subject || t('outbox.email')} onClose={onClose} wide>
      <ErrorMessage error={activity.error} />
      {email && (
        <div data-testid="outbox-activity">
          <p>
            {t('outbox.to')}: {email.to} ·{' '}
            {t(`outbox.statuses.${email.status}`, { defaultValue: email.status })}
            {email.sentAt != null && ` · ${format.dateTime(email.sentAt)}`}
          </p>
          {email.message ? (
            <>
              {!email.message.asSent && <p className="muted small">{t('outbox.notSentYet')}</p>}
              <EmailPreview subject={email.subject} html={email.message.html} />
              <details>
                <summary>{t('outbox.plainText')}</summary>
                <pre className="small">{email.message.text}</pre>
              </details>
            </>
          ) : (
            <p className="muted">{t('outbox.notRendered')}</p>
          )}
          <h3>{t('outbox.smtpResponse')}</h3>
          <p data-testid="outbox-smtp-response">
            {email.smtpResponse ?? t('outbox.noSmtpResponse')} (
            {t('outbox.attempts', { count: email.attempts })})
          </p>
          <h3>{t('outbox.events')}</h3>
          {email.events.length === 0 && email.replies.length === 0 ? (
            <p className="muted">{t('outbox.noEvents')}</p>
          ) : (
            <ul data-testid="outbox-events">
              {email.events.map((event) => (
                <li key={event.id}>
                  {t(`outbox.eventTypes.${event.type}`, { defaultValue: event.type })} ·{' '}
                  {format.dateTime(event.occurredAt)}
                  {event.machine && ` · ${t('outbox.machine')}`}
                  {typeof event.data.url === 'string' && ` · ${event.data.url}`}
                </li>
              ))}
              {email.replies.map((reply) => (
                <li key={`reply-${reply.receivedAt}`}>
                  {t('outbox.eventTypes.reply')} · {format.dateTime(reply.receivedAt)} · {reply.from ?? ''}:{' '}
                  {reply.text.slice(0, 200)}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </Dialog>
  );
}
