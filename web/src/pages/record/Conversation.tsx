import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import { useDebounced } from '../../components/ComposeDialog.tsx';
import { Dialog } from '../../components/Dialog.tsx';
import { EmailPreview } from '../../components/EmailPreview.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { PlaceholderPicker } from '../../components/PlaceholderPicker.tsx';
import { RichTextEditor } from '../../components/RichTextEditor.tsx';
import { useFormat } from '../../i18n/format.ts';

interface ConversationEvent {
  type: 'open' | 'click' | 'bounce';
  machine: boolean;
  url: string | null;
  at: number;
}

export interface ConversationItem {
  kind: 'sent' | 'reply';
  id: string;
  messageId: string;
  from: string | null;
  to: string | null;
  subject: string;
  html: string;
  status: string;
  detail: string | null;
  at: number;
  events: ConversationEvent[];
}

interface Thread {
  id: string;
  subject: string;
  items: ConversationItem[];
}

interface ReplyPreview {
  to: string | null;
  subject: string;
  html: string;
  missing: string[];
  errors: string[];
}

/**
 * The record's conversation: every email sent to it as sent (opens, clicks, bounces under it) and every reply in
 * full, by thread. Bodies are sanitised by the server and shown in sandboxed frames (no scripts). "Reply" opens
 * the composer; the thread is quoted under what the seller writes.
 */
export function Conversation({ recordId }: { recordId: string }) {
  const { t } = useTranslation('email');
  const format = useFormat();
  const conversation = useQuery({
    queryKey: ['conversation', recordId],
    queryFn: () => api<{ threads: Thread[] }>('GET', `/api/records/${recordId}/conversation`),
  });
  const [replyTo, setReplyTo] = useState<ConversationItem | null>(null);
  const threads = conversation.data?.threads ?? [];
  return (
    <section className="card" aria-labelledby="conversation-title" data-testid="conversation">
      <h2 id="conversation-title">{t('conversation.title')}</h2>
      <ErrorMessage error={conversation.error} />
      {conversation.isSuccess && threads.length === 0 && <p className="muted">{t('conversation.empty')}</p>}
      {threads.map((thread) => (
        <article key={thread.id} className="conversation-thread" data-testid="conversation-thread">
          <h3>{thread.subject}</h3>
          {thread.items.map((item) => (
            <div
              key={item.id}
              className={`conversation-item ${item.kind}`}
              data-testid={`conversation-${item.kind}`}
            >
              <p className="conversation-meta">
                <strong>{item.kind === 'sent' ? t('conversation.sent') : t('conversation.received')}</strong>{' '}
                {item.kind === 'sent'
                  ? t('conversation.fromTo', { from: item.from ?? '', to: item.to ?? '' })
                  : t('conversation.from', { from: item.from ?? '' })}{' '}
                <time dateTime={new Date(item.at).toISOString()}>{format.dateTime(item.at)}</time>
                {item.kind === 'sent' && item.status !== 'sent' && (
                  <span className="badge">
                    {' '}
                    {t(`conversation.status.${item.status}`, { defaultValue: item.status })}
                  </span>
                )}
              </p>
              <EmailPreview subject={item.subject} html={item.html} />
              {item.events.length > 0 && (
                <ul className="conversation-events" data-testid="conversation-events">
                  {item.events.map((event) => (
                    <li key={`${event.type}-${event.at}-${event.url ?? ''}`}>
                      {t(`conversation.event.${event.type}`, { url: event.url ?? '' })}
                      {event.machine ? ` ${t('conversation.machine')}` : ''} · {format.dateTime(event.at)}
                    </li>
                  ))}
                </ul>
              )}
              <button type="button" onClick={() => setReplyTo(item)}>
                {t('conversation.reply')}
              </button>
            </div>
          ))}
        </article>
      ))}
      {replyTo && <ReplyDialog recordId={recordId} item={replyTo} onClose={() => setReplyTo(null)} />}
    </section>
  );
}

function ReplyDialog({
  recordId,
  item,
  onClose,
}: {
  recordId: string;
  item: ConversationItem;
  onClose(): void;
}) {
  const { t } = useTranslation('email');
  const client = useQueryClient();
  const [subject, setSubject] = useState(/^re:/i.test(item.subject) ? item.subject : `Re: ${item.subject}`);
  const [html, setHtml] = useState('<p></p>');
  const body = { replyTo: item.messageId, subject, html };
  const debounced = useDebounced(body);
  const preview = useQuery({
    queryKey: ['reply-preview', recordId, debounced],
    enabled: debounced.subject.trim() !== '',
    queryFn: () => api<ReplyPreview>('POST', `/api/records/${recordId}/reply/preview`, debounced),
  });
  const insert = useRef<((text: string) => void) | null>(null);
  const onReady = useCallback((fn: (text: string) => void) => {
    insert.current = fn;
  }, []);
  const send = useMutation({
    mutationFn: () => api('POST', `/api/records/${recordId}/reply`, body),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: ['conversation', recordId] });
      onClose();
    },
  });
  const problems = [...(preview.data?.missing ?? []), ...(preview.data?.errors ?? [])];
  return (
    <Dialog
      title={t('conversation.replyTitle')}
      onClose={onClose}
      wide
      footer={
        <>
          <button type="button" onClick={onClose}>
            {t('common:actions.cancel')}
          </button>
          <button type="button" className="primary" disabled={send.isPending} onClick={() => send.mutate()}>
            {t('conversation.send')}
          </button>
        </>
      }
    >
      <div className="form-grid">
        <p>
          <strong>{t('conversation.to')}</strong> {preview.data?.to ?? ''}
        </p>
        <label>
          {t('templates.subject')}
          <input value={subject} onChange={(event) => setSubject(event.target.value)} />
        </label>
        <div className="field">
          <span>{t('templates.body')}</span>
          <RichTextEditor
            label={t('templates.body')}
            initialHtml="<p></p>"
            onChange={setHtml}
            onReady={onReady}
            extra={<PlaceholderPicker onInsert={(text) => insert.current?.(text)} />}
          />
        </div>
        <div className="field" data-testid="reply-preview">
          <span>{t('conversation.previewQuoted')}</span>
          {problems.length > 0 && (
            <p role="alert" className="warning">
              {t('templates.missing', { fields: problems.join(', ') })}
            </p>
          )}
          {preview.data && <EmailPreview subject={preview.data.subject} html={preview.data.html} />}
        </div>
      </div>
      <ErrorMessage error={send.error} />
    </Dialog>
  );
}
