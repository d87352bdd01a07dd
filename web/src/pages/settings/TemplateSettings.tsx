import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import type { Page } from '../../api/types.ts';
import { EmailPreview } from '../../components/EmailPreview.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { PlaceholderPicker, placeholder } from '../../components/PlaceholderPicker.tsx';
import { RichTextEditor } from '../../components/RichTextEditor.tsx';
import { SendMeATest, TemplateRowActions, useTemplateTags } from './TemplateTools.tsx';

/**
 * Email templates: list (search, filter by language), create and edit in the rich-text editor with a placeholder
 * picker, and a live preview rendered for a chosen record by the same renderer that sends.
 */
export interface TemplateRow {
  id: string;
  name: string;
  language: 'en' | 'pl';
  subject: string;
  bodyHtml: string;
  builtin: boolean;
}

interface Preview {
  subject: string;
  html: string;
  missing: string[];
  errors?: string[];
}

const LANGUAGES = ['en', 'pl'] as const;

export { placeholder };

export function TemplateSettings() {
  const { t } = useTranslation('email');
  // Global search opens a template as `?q=<name>`.
  const [q, setQ] = useState(() => new URLSearchParams(window.location.search).get('q') ?? '');
  const [language, setLanguage] = useState('');
  const [editing, setEditing] = useState<TemplateRow | 'new' | null>(null);
  const params = new URLSearchParams({ limit: '200' });
  if (q.trim()) params.set('q', q.trim());
  if (language) params.set('language', language);
  const list = useQuery({
    queryKey: ['email-templates', q, language],
    queryFn: () => api<Page<TemplateRow>>('GET', `/api/email-templates?${params}`),
  });
  const [tag, setTag] = useState('');
  const tags = useTemplateTags();
  const allTags = [...new Set(Object.values(tags.data ?? {}).flat())].sort();
  const rows = (list.data?.items ?? []).filter((row) => !tag || (tags.data?.[row.id] ?? []).includes(tag));
  return (
    <section className="card" aria-labelledby="templates-title">
      <h2 id="templates-title">{t('templates.title')}</h2>
      <div className="toolbar">
        <input
          type="search"
          aria-label={t('templates.search')}
          placeholder={t('templates.search')}
          value={q}
          onChange={(event) => setQ(event.target.value)}
        />
        <select
          aria-label={t('templates.language')}
          value={language}
          onChange={(event) => setLanguage(event.target.value)}
        >
          <option value="">{t('templates.allLanguages')}</option>
          {LANGUAGES.map((code) => (
            <option key={code} value={code}>
              {t(`templates.languages.${code}`)}
            </option>
          ))}
        </select>
        <select aria-label={t('tools.tag')} value={tag} onChange={(event) => setTag(event.target.value)}>
          <option value="">{t('tools.allTags')}</option>
          {allTags.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
        <button type="button" className="primary" onClick={() => setEditing('new')}>
          {t('templates.new')}
        </button>
      </div>
      <ErrorMessage error={list.error} />
      <table className="grid" aria-label={t('templates.title')}>
        <thead>
          <tr>
            <th>{t('templates.name')}</th>
            <th>{t('templates.language')}</th>
            <th>{t('templates.subject')}</th>
            <th>{t('tools.tags')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id} data-testid="template-row">
              <td>{row.name}</td>
              <td>{t(`templates.languages.${row.language}`)}</td>
              <td>{row.subject}</td>
              <td>{(tags.data?.[row.id] ?? []).join(', ')}</td>
              <td className="button-row">
                <button type="button" onClick={() => setEditing(row)}>
                  {row.builtin ? t('templates.view') : t('templates.edit')}
                </button>
                <TemplateRowActions template={row} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.isSuccess && rows.length === 0 && <p className="empty">{t('templates.empty')}</p>}
      {editing && (
        <TemplateEditor
          key={editing === 'new' ? 'new' : editing.id}
          template={editing === 'new' ? null : editing}
          onDone={() => setEditing(null)}
        />
      )}
    </section>
  );
}

function TemplateEditor({ template, onDone }: { template: TemplateRow | null; onDone(): void }) {
  const { t } = useTranslation('email');
  const client = useQueryClient();
  const [name, setName] = useState(template?.name ?? '');
  const [language, setLanguage] = useState<string>(template?.language ?? 'en');
  const [subject, setSubject] = useState(template?.subject ?? '');
  const [body, setBody] = useState(template?.bodyHtml ?? '<p></p>');
  const [recordId, setRecordId] = useState('');
  const insert = useRef<((text: string) => void) | null>(null);
  const onReady = useCallback((fn: (text: string) => void) => {
    insert.current = fn;
  }, []);
  const records = useQuery({
    queryKey: ['records', 'template-preview'],
    queryFn: () => api<Page<{ id: string; name: string }>>('GET', '/api/records?limit=50'),
  });
  useEffect(() => {
    if (!recordId && records.data?.items[0]) setRecordId(records.data.items[0].id);
  }, [recordId, records.data]);
  const [debounced, setDebounced] = useState({ subject, body });
  useEffect(() => {
    const timer = setTimeout(() => setDebounced({ subject, body }), 300);
    return () => clearTimeout(timer);
  }, [subject, body]);
  const preview = useQuery({
    queryKey: ['template-preview', recordId, debounced],
    enabled: Boolean(recordId && (debounced.subject || debounced.body)),
    queryFn: () =>
      api<Preview>('POST', '/api/email-templates/preview', {
        subject: debounced.subject,
        bodyHtml: debounced.body,
        recordId,
      }),
  });
  const templateTags = useTemplateTags();
  const [tagText, setTagText] = useState<string | null>(null);
  const shownTags = tagText ?? (template ? (templateTags.data?.[template.id] ?? []).join(', ') : '');
  const save = useMutation({
    mutationFn: async () => {
      const payload = { name, language, subject, bodyHtml: body };
      const saved = template
        ? await api<TemplateRow>('PUT', `/api/email-templates/${template.id}`, payload)
        : await api<TemplateRow>('POST', '/api/email-templates', payload);
      if (tagText !== null) {
        const list = tagText
          .split(',')
          .map((tag) => tag.trim())
          .filter(Boolean);
        await api('PUT', `/api/email-templates/${saved.id}/tags`, { tags: list });
        await client.invalidateQueries({ queryKey: ['email-template-tags'] });
      }
      return saved;
    },
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: ['email-templates'] });
      onDone();
    },
  });
  const readOnly = template?.builtin ?? false;
  return (
    <form
      className="form-grid template-editor"
      data-testid="template-editor"
      onSubmit={(event) => {
        event.preventDefault();
        save.mutate();
      }}
    >
      <h3>{template ? template.name : t('templates.new')}</h3>
      <label>
        {t('templates.name')}
        <input required value={name} onChange={(event) => setName(event.target.value)} />
      </label>
      <label>
        {t('templates.language')}
        <select value={language} onChange={(event) => setLanguage(event.target.value)}>
          {LANGUAGES.map((code) => (
            <option key={code} value={code}>
              {t(`templates.languages.${code}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('templates.subject')}
        <input required value={subject} onChange={(event) => setSubject(event.target.value)} />
      </label>
      <label>
        {t('tools.tags')}
        <input
          value={shownTags}
          placeholder={t('tools.tagsHint')}
          onChange={(event) => setTagText(event.target.value)}
          disabled={readOnly}
        />
      </label>
      <div className="field">
        <span>{t('templates.body')}</span>
        <RichTextEditor
          label={t('templates.body')}
          initialHtml={template?.bodyHtml ?? '<p></p>'}
          onChange={setBody}
          onReady={onReady}
          extra={<PlaceholderPicker onInsert={(text) => insert.current?.(text)} />}
        />
      </div>
      <label>
        {t('templates.previewFor')}
        <select value={recordId} onChange={(event) => setRecordId(event.target.value)}>
          {(records.data?.items ?? []).map((record) => (
            <option key={record.id} value={record.id}>
              {record.name}
            </option>
          ))}
        </select>
      </label>
      <div data-testid="template-preview">
        {preview.data && (
          <>
            {preview.data.missing.length > 0 && (
              <p className="warning" role="alert">
                {t('templates.missing', { fields: preview.data.missing.join(', ') })}
              </p>
            )}
            <EmailPreview subject={preview.data.subject} html={preview.data.html} />
          </>
        )}
        <ErrorMessage error={preview.error} />
      </div>
      {template && recordId && <SendMeATest templateId={template.id} recordId={recordId} />}
      <ErrorMessage error={save.error} />
      <div className="actions">
        <button type="button" onClick={onDone}>
          {t('common:actions.cancel')}
        </button>
        {!readOnly && (
          <button type="submit" className="primary" disabled={save.isPending}>
            {t('templates.save')}
          </button>
        )}
      </div>
    </form>
  );
}
