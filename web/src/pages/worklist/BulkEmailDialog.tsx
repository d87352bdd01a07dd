import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import type { Composed, WorkItem } from '../../api/types.ts';
import { Dialog } from '../../components/Dialog.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';

interface BulkSendResult {
  sent?: number;
  failed?: { stepId: string; code: string }[];
  jobId?: string;
}

/** Bulk email for records on the same email step: preview for the first recipient, then send to all. */
export function BulkEmailDialog({
  items,
  onClose,
  onSent,
}: {
  items: WorkItem[];
  onClose(): void;
  onSent(): void;
}) {
  const { t } = useTranslation('worklist');
  const client = useQueryClient();
  const stepIds = items.map((item) => item.id);
  const preview = useQuery({
    queryKey: ['bulk-preview', stepIds],
    queryFn: () => api<Composed>('POST', '/api/bulk-email/preview', { stepIds }),
  });
  const send = useMutation({
    mutationFn: () => api<BulkSendResult>('POST', '/api/bulk-email/send', { stepIds }),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: ['worklist'] });
    },
  });
  return (
    <Dialog
      title={t('bulk.title', { count: items.length })}
      onClose={onClose}
      wide
      footer={
        send.isSuccess ? (
          <button type="button" className="primary" onClick={onSent}>
            {t('common:actions.close')}
          </button>
        ) : (
          <>
            <button type="button" onClick={onClose}>
              {t('common:actions.cancel')}
            </button>
            <button
              type="button"
              className="primary"
              disabled={!preview.data || send.isPending}
              onClick={() => send.mutate()}
            >
              {t('bulk.send', { count: items.length })}
            </button>
          </>
        )
      }
    >
      <ErrorMessage error={preview.error ?? send.error} />
      {send.isSuccess ? (
        <p role="status">{t('bulk.sent', { count: send.data?.sent ?? items.length })}</p>
      ) : (
        preview.data && (
          <div className="email-preview">
            <p className="muted">{t('bulk.previewFor', { to: preview.data.to })}</p>
            <p>
              <strong>{preview.data.subject}</strong>
            </p>
            <pre className="email-body">{preview.data.text ?? preview.data.html}</pre>
          </div>
        )
      )}
    </Dialog>
  );
}
