import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { api, query } from '../../api/client.ts';
import {
  type Page,
  RECORD_TYPES,
  type RecordType,
  type Sequence,
  type SequenceTemplate,
} from '../../api/types.ts';
import { Dialog } from '../../components/Dialog.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import i18n from '../../i18n/index.ts';
import { sequencesKey } from './sequence-actions.ts';

/** New sequence: pick a template from the gallery (filtered by record type) or start blank. */
export function NewSequenceDialog({
  onClose,
  initialRecordType = 'lead',
  onCreated,
}: {
  onClose(): void;
  initialRecordType?: RecordType;
  onCreated?(sequence: Sequence): void;
}) {
  const { t } = useTranslation('sequences');
  const navigate = useNavigate();
  const client = useQueryClient();
  const [recordType, setRecordType] = useState<RecordType>(initialRecordType);
  const [templateId, setTemplateId] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const templates = useQuery({
    queryKey: ['sequence-templates', recordType],
    queryFn: () => api<Page<SequenceTemplate>>('GET', `/api/sequence-templates${query({ recordType })}`),
  });
  const create = useMutation({
    mutationFn: () =>
      api<Sequence>('POST', '/api/sequences', {
        name: name.trim(),
        description,
        recordType,
        ...(templateId ? { fromTemplate: templateId, language: templateLanguage(i18n.language) } : {}),
      }),
    onSuccess: async (sequence) => {
      await client.invalidateQueries({ queryKey: sequencesKey });
      if (onCreated) onCreated(sequence);
      else navigate(`/sequences/${sequence.id}`);
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate();
  }
  const gallery = (templates.data?.items ?? []).filter(
    (item) =>
      item.recordType === recordType && (!item.language || item.language === templateLanguage(i18n.language)),
  );
  return (
    <Dialog
      title={t('new.title')}
      onClose={onClose}
      wide
      footer={
        <>
          <button type="button" onClick={onClose}>
            {t('common:actions.cancel')}
          </button>
          <button
            type="submit"
            form="new-sequence"
            className="primary"
            disabled={create.isPending || !name.trim()}
          >
            {t('new.create')}
          </button>
        </>
      }
    >
      <form id="new-sequence" onSubmit={submit} className="form-grid">
        <label>
          {t('fields.recordType')}
          <select
            value={recordType}
            onChange={(event) => {
              setRecordType(event.target.value as RecordType);
              setTemplateId(null);
            }}
          >
            {RECORD_TYPES.map((type) => (
              <option key={type} value={type}>
                {t(`common:recordType.${type}`)}
              </option>
            ))}
          </select>
        </label>
        <fieldset className="template-gallery">
          <legend>{t('new.startFrom')}</legend>
          <label className={`template-card ${templateId === null ? 'selected' : ''}`}>
            <input
              type="radio"
              name="template"
              checked={templateId === null}
              onChange={() => setTemplateId(null)}
            />
            <strong>{t('new.blank')}</strong>
            <span className="muted">{t('new.blankHint')}</span>
          </label>
          {gallery.map((template) => (
            <label
              key={template.id}
              className={`template-card ${templateId === template.id ? 'selected' : ''}`}
            >
              <input
                type="radio"
                name="template"
                checked={templateId === template.id}
                onChange={() => {
                  setTemplateId(template.id);
                  if (!name.trim()) setName(template.name);
                  if (!description && template.description) setDescription(template.description);
                }}
              />
              <strong>{template.name}</strong>
              {template.description && <span className="muted">{template.description}</span>}
              {template.stepCount !== undefined && (
                <span className="muted">{t('common:count.steps', { count: template.stepCount })}</span>
              )}
            </label>
          ))}
          {templates.isError && <ErrorMessage error={templates.error} />}
        </fieldset>
        <label>
          {t('fields.name')}
          <input required maxLength={200} value={name} onChange={(event) => setName(event.target.value)} />
        </label>
        <label>
          {t('fields.description')}
          <textarea
            rows={3}
            maxLength={4000}
            value={description}
            onChange={(event) => setDescription(event.target.value)}
          />
        </label>
        <ErrorMessage error={create.error} />
      </form>
    </Dialog>
  );
}

/** Built-in templates exist in English and Polish; the gallery shows the user's language. */
function templateLanguage(language: string): 'en' | 'pl' {
  return language === 'pl' ? 'pl' : 'en';
}
