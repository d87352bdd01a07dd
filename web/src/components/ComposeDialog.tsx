import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client.ts';
import type { Composed } from '../api/types.ts';
import { EmailComposerDialog } from './EmailComposerDialog.tsx';

export { useDebounced } from './EmailComposer.tsx';

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
  const source = composed.data?.source ?? {
    subject: composed.data?.subject ?? '',
    html: composed.data?.html ?? '',
  };
  return (
    <EmailComposerDialog
      title={t('compose.title')}
      sendLabel={t('compose.send')}
      draft={composed.data}
      draftError={composed.error}
      source={source}
      previewPath={`/api/steps/${stepId}/compose/preview`}
      send={(written) => api('POST', `/api/steps/${stepId}/send`, { ...written, format: 'template' })}
      onSent={onSent}
      onClose={onClose}
    />
  );
}
