import { useQuery } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client.ts';
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

export interface Written {
  subject: string;
  html: string;
}

interface Rendered {
  subject: string;
  html: string;
  missing: string[];
  errors: string[];
}

/** Which parts of an email are empty: no subject, or a message without any text or image. */
export function missingParts(written: Written): { subject: boolean; body: boolean } {
  const text = written.html
    .replace(/<img\b/gi, 'img')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/g, ' ')
    .trim();
  return { subject: !written.subject.trim(), body: !text };
}

/** The composer's text: the source until the seller edits the subject or the body. */
export function useWritten(source: Written) {
  const [subject, setSubject] = useState<string | null>(null);
  const [body, setBody] = useState<string | null>(null);
  return { written: { subject: subject ?? source.subject, html: body ?? source.html }, setSubject, setBody };
}

/**
 * The composer shared by a manual email step and a held email: the subject, the TipTap editor with the
 * placeholder picker over the template SOURCE, and a live preview that `previewPath` renders for the record by
 * the same renderer that sends (with the placeholders still without a value). The dialog around it sends.
 */
export function EmailComposer({
  to,
  source,
  written,
  onSubject,
  onBody,
  previewPath,
  missing,
}: {
  to: string | null;
  source: Written;
  written: Written;
  onSubject(value: string): void;
  onBody(value: string): void;
  previewPath: string;
  /** After a try to send: the empty parts, each named under its field. */
  missing?: { subject: boolean; body: boolean };
}) {
  const { t } = useTranslation('upnext');
  const debounced = useDebounced(written);
  const preview = useQuery({
    queryKey: ['compose-preview', previewPath, debounced.subject, debounced.html],
    queryFn: () => api<Rendered>('POST', previewPath, debounced),
  });
  const insert = useRef<((text: string) => void) | null>(null);
  const onReady = useCallback((fn: (text: string) => void) => {
    insert.current = fn;
  }, []);
  const problems = [...(preview.data?.missing ?? []), ...(preview.data?.errors ?? [])];
  return (
    <div className="form-grid">
      <p>
        <strong>{t('compose.to')}</strong> {to}
      </p>
      <label>
        {t('compose.subject')}
        <input
          value={written.subject}
          onChange={(event) => onSubject(event.target.value)}
          aria-invalid={missing?.subject || undefined}
          aria-describedby={missing?.subject ? 'compose-subject-missing' : undefined}
        />
      </label>
      {missing?.subject && (
        <p className="error" role="alert" id="compose-subject-missing">
          {t('compose.subjectMissing')}
        </p>
      )}
      <div className="field">
        <span>{t('compose.body')}</span>
        {missing?.body && (
          <p className="error" role="alert">
            {t('compose.bodyMissing')}
          </p>
        )}
        <RichTextEditor
          label={t('compose.body')}
          initialHtml={source.html}
          onChange={onBody}
          onReady={onReady}
          extra={<PlaceholderPicker onInsert={(text) => insert.current?.(text)} />}
        />
      </div>
      <div className="field" data-testid="compose-preview">
        <span>{t('compose.preview')}</span>
        {problems.length > 0 && (
          <p role="alert" className="warning">
            {t('compose.missing', { fields: problems.join(', ') })}
          </p>
        )}
        {preview.data && <EmailPreview subject={preview.data.subject} html={preview.data.html} />}
        <ErrorMessage error={preview.error} />
      </div>
    </div>
  );
}
