import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import type { TemplateRow } from './TemplateSettings.tsx';

/** Tags of the organisation's templates, by template id. */
export function useTemplateTags() {
  return useQuery({
    queryKey: ['email-template-tags'],
    queryFn: async () =>
      (await api<{ tags: Record<string, string[]> }>('GET', '/api/email-templates/tags')).tags,
  });
}

/** Copy (any template, built-in ones too) and delete (the author, sequence managers, admins; not in use). */
export function TemplateRowActions({ template }: { template: TemplateRow }) {
  const { t } = useTranslation('email');
  const client = useQueryClient();
  const [asking, setAsking] = useState(false);
  const refresh = () =>
    Promise.all([
      client.invalidateQueries({ queryKey: ['email-templates'] }),
      client.invalidateQueries({ queryKey: ['email-template-tags'] }),
    ]);
  const copy = useMutation({
    mutationFn: () => api('POST', `/api/email-templates/${template.id}/copy`),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: () => api('DELETE', `/api/email-templates/${template.id}`),
    onSuccess: refresh,
  });
  return (
    <>
      <button type="button" onClick={() => copy.mutate()} disabled={copy.isPending}>
        {t('tools.copy')}
      </button>
      {!template.builtin && (
        <button type="button" className="danger" onClick={() => setAsking(true)}>
          {t('tools.delete')}
        </button>
      )}
      {asking && (
        <ConfirmDialog
          title={t('tools.deleteTitle')}
          message={t('tools.deleteQuestion', { name: template.name })}
          confirmLabel={t('tools.delete')}
          danger
          onConfirm={() => remove.mutate()}
          onClose={() => setAsking(false)}
        />
      )}
      <ErrorMessage error={copy.error ?? remove.error} />
    </>
  );
}

/** "Send me a test": the saved template rendered for the preview record, to your own address over SMTP. */
export function SendMeATest({ templateId, recordId }: { templateId: string; recordId: string }) {
  const { t } = useTranslation('email');
  const send = useMutation({
    mutationFn: () => api<{ to: string }>('POST', `/api/email-templates/${templateId}/test`, { recordId }),
  });
  return (
    <div className="inline-form">
      <button type="button" onClick={() => send.mutate()} disabled={send.isPending}>
        {t('tools.sendTest')}
      </button>
      {send.data && (
        <span role="status" data-testid="test-sent">
          {t('tools.testSent', { to: send.data.to })}
        </span>
      )}
      <ErrorMessage error={send.error} />
    </div>
  );
}
