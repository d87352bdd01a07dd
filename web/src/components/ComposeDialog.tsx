import { useMutation, useQuery } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client.ts';
import type { Composed } from '../api/types.ts';
import { Dialog } from './Dialog.tsx';
import { EmailPreview } from './EmailPreview.tsx';
import { ErrorMessage } from './ErrorMessage.tsx';
import { PlaceholderPicker } from './PlaceholderPicker.tsx';
import { RichTextEditor } from './RichTextEditor.tsx';

/** Waits until the seller stops typing for a moment, then gives the latest value. */
export function useDebounced<T>(value: T, ms = 300): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

/**
 * The email composer of a manual email step: the step's template SOURCE (placeholders and the seller's signature
 * included) in the rich-text editor, a placeholder picker, and a live preview rendered for this record by the same
 * renderer that sends. Sending renders the source once and sends exactly what the preview shows; it completes the
 * step.
 */
export function ComposeDialog({
  stepId,
  onClose,
  onSent,
}: {
  stepId: string;
  onClose(): void;
  onSent(): void;
}) {
  const { t } = useTranslation('upnext');
  const composed = useQuery({
    queryKey: ['compose', stepId],
    queryFn: () => api<Composed>('GET', `/api/steps/${stepId}/compose`),
  });
  const [subject, setSubject] = useState<string | null>(null);
  const [body, setBody] = useState<string | null>(null);
  const source = composed.data?.source ?? {
    subject: composed.data?.subject ?? '',
    html: composed.data?.html ?? '',
  };
  const written = { subject: subject ?? source.subject, html: body ?? source.html };
  const debounced = useDebounced(written);
  const preview = useQuery({
    queryKey: ['compose-preview', stepId, debounced.subject, debounced.html],
    enabled: Boolean(composed.data),
    queryFn: () => api<Composed>('POST', `/api/steps/${stepId}/compose/preview`, debounced),
  });
  const insert = useRef<((text: string) => void) | null>(null);
  const onReady = useCallback((fn: (text: string) => void) => {
    insert.current = fn;
  }, []);
  const send = useMutation({
    mutationFn: () => api('POST', `/api/steps/${stepId}/send`, { ...written, format: 'template' }),
    onSuccess: onSent,
  });
  const missing = preview.data?.missing ?? [];
  const errors = preview.data?.errors ?? [];
  return (
    <Dialog
      title={t('compose.title')}
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
            disabled={!composed.data || send.isPending}
            onClick={() => send.mutate()}
          >
            {t('compose.send')}
          </button>
        </>
      }
    >
      <ErrorMessage error={composed.error} />
      {composed.data && (
        <div className="form-grid">
          <p>
            <strong>{t('compose.to')}</strong> {composed.data.to}
          </p>
          <label>
            {t('compose.subject')}
            <input value={written.subject} onChange={(event) => setSubject(event.target.value)} />
          </label>
          <div className="field">
            <span>{t('compose.body')}</span>
            <RichTextEditor
              label={t('compose.body')}
              initialHtml={source.html}
              onChange={setBody}
              onReady={onReady}
              extra={<PlaceholderPicker onInsert={(text) => insert.current?.(text)} />}
            />
          </div>
          <div className="field" data-testid="compose-preview">
            <span>{t('compose.preview')}</span>
            {(missing.length > 0 || errors.length > 0) && (
              <p role="alert" className="warning">
                {t('compose.missing', { fields: [...missing, ...errors].join(', ') })}
              </p>
            )}
            {preview.data && <EmailPreview subject={preview.data.subject} html={preview.data.html} />}
            <ErrorMessage error={preview.error} />
          </div>
        </div>
      )}
      <ErrorMessage error={send.error} />
    </Dialog>
  );
}
