import { useMutation, useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client.ts';
import type { Composed } from '../api/types.ts';
import { Dialog } from './Dialog.tsx';
import { EmailComposer, useWritten } from './EmailComposer.tsx';
import { ErrorMessage } from './ErrorMessage.tsx';

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
  const { written, setSubject, setBody } = useWritten(source);
  const send = useMutation({
    mutationFn: () => api('POST', `/api/steps/${stepId}/send`, { ...written, format: 'template' }),
    onSuccess: onSent,
  });
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
        <EmailComposer
          to={composed.data.to}
          source={source}
          written={written}
          onSubject={setSubject}
          onBody={setBody}
          previewPath={`/api/steps/${stepId}/compose/preview`}
        />
      )}
      <ErrorMessage error={send.error} />
    </Dialog>
  );
}
