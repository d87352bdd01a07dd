import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { RichTextEditor } from '../../components/RichTextEditor.tsx';

interface Signature {
  html: string;
  automated: boolean;
}

/**
 * Your email signature, in the same rich-text editor as the composer. It is added under compose, manual email
 * steps and bulk email, and under automated emails sent as you unless you untick that. The server sanitises it.
 */
export function SignatureSettings() {
  const { t } = useTranslation('email');
  const client = useQueryClient();
  const current = useQuery({
    queryKey: ['signature'],
    queryFn: () => api<Signature>('GET', '/api/me/signature'),
  });
  const [html, setHtml] = useState<string | null>(null);
  const [automated, setAutomated] = useState<boolean | null>(null);
  const save = useMutation({
    mutationFn: () =>
      api<Signature>('PUT', '/api/me/signature', {
        html: html ?? current.data?.html ?? '',
        automated: automated ?? current.data?.automated ?? true,
      }),
    onSuccess: (saved) => client.setQueryData(['signature'], saved),
  });
  if (!current.data) return <ErrorMessage error={current.error} />;
  return (
    <form
      className="card form-grid"
      aria-labelledby="signature-title"
      data-testid="signature-settings"
      onSubmit={(event) => {
        event.preventDefault();
        save.mutate();
      }}
    >
      <h2 id="signature-title">{t('signature.title')}</h2>
      <p className="hint">{t('signature.help')}</p>
      <RichTextEditor label={t('signature.title')} initialHtml={current.data.html} onChange={setHtml} />
      <label className="checkbox">
        <input
          type="checkbox"
          checked={automated ?? current.data.automated}
          onChange={(event) => setAutomated(event.target.checked)}
        />
        {t('signature.automated')}
      </label>
      <div className="actions">
        <button type="submit" className="primary" disabled={save.isPending}>
          {t('signature.save')}
        </button>
        {save.isSuccess && !save.isPending && (
          <span role="status" data-testid="signature-saved">
            {t('signature.saved')}
          </span>
        )}
      </div>
      <ErrorMessage error={save.error} />
    </form>
  );
}
