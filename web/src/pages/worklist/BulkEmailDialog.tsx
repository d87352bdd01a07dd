import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import type { BulkPreview, BulkSendResult, WorkItem } from '../../api/types.ts';
import { Dialog } from '../../components/Dialog.tsx';
import { EmailPreview } from '../../components/EmailPreview.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';

/** Bulk email for records on the same email step: page through every recipient's email, then send to all. */
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
    queryFn: () => api<BulkPreview>('POST', '/api/bulk-email/preview', { stepIds }),
  });
  const send = useMutation({
    mutationFn: () => api<BulkSendResult>('POST', '/api/bulk-email/send', { stepIds }),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: ['worklist'] });
    },
  });
  const nameOf = (stepId: string) => items.find((item) => item.id === stepId)?.recordName ?? stepId;
  const recipients = preview.data?.recipients ?? 0;
  // An email step without a template has nothing to send to everyone: every email would go out empty (and be held).
  const unwritten =
    !!preview.data &&
    (preview.data.previews ?? [preview.data.preview]).every(
      (page) => !page.templateId && !page.subject.trim() && !page.html.trim(),
    );
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
              disabled={!preview.data || recipients === 0 || unwritten || send.isPending}
              onClick={() => send.mutate()}
            >
              {t('bulk.send', { count: recipients })}
            </button>
          </>
        )
      }
    >
      <ErrorMessage error={preview.error ?? send.error} />
      {send.isSuccess ? (
        <div role="status" data-testid="bulk-result">
          <p>{t('bulk.sent', { count: send.data.sent.length })}</p>
          {send.data.refused.length > 0 && (
            <ul>
              {send.data.refused.map((r) => (
                <li key={r.stepId}>
                  {nameOf(r.stepId)}: {r.message}
                </li>
              ))}
            </ul>
          )}
        </div>
      ) : (
        preview.data && (
          <div data-testid="bulk-preview">
            {unwritten && (
              <p className="callout warning" role="alert" data-testid="bulk-no-template">
                {t('bulk.noTemplate')}
              </p>
            )}
            <BulkPager data={preview.data} nameOf={nameOf} />
            {/* Without a template every record is refused for the same reason, which the note above gives. */}
            {!unwritten && preview.data.problems.length > 0 && (
              <div className="callout warning" data-testid="bulk-problems">
                <p>{t('bulk.problems', { count: preview.data.problems.length })}</p>
                <ul>
                  {preview.data.problems.map((p) => (
                    <li key={p.stepId}>
                      {nameOf(p.stepId)}: {p.message}
                    </li>
                  ))}
                </ul>
              </div>
            )}
          </div>
        )
      )}
    </Dialog>
  );
}

/** One recipient's rendered email at a time, with Previous/Next, and whether that one would be held. */
function BulkPager({ data, nameOf }: { data: BulkPreview; nameOf(stepId: string): string }) {
  const { t } = useTranslation('worklist');
  const [index, setIndex] = useState(0);
  const pages = data.previews ?? [{ ...data.preview, stepId: '' }];
  const page = pages[Math.min(index, pages.length - 1)] ?? pages[0];
  if (!page) return null;
  const problem = data.problems.find((p) => p.stepId === page.stepId);
  return (
    <div data-testid="bulk-page">
      <div className="button-row">
        <button type="button" disabled={index === 0} onClick={() => setIndex(index - 1)}>
          {t('bulk.previous')}
        </button>
        <span data-testid="bulk-page-position">
          {t('bulk.position', { n: index + 1, count: pages.length })}
        </span>
        <button type="button" disabled={index >= pages.length - 1} onClick={() => setIndex(index + 1)}>
          {t('bulk.next')}
        </button>
      </div>
      <p className="muted" data-testid="bulk-preview-to">
        {t('bulk.previewFor', { to: page.to ?? '—' })}
        {page.stepId ? ` · ${nameOf(page.stepId)}` : ''}
      </p>
      {problem && (
        <p className="warning" role="alert" data-testid="bulk-page-held">
          {t('bulk.wouldBeHeld', { reason: problem.message })}
        </p>
      )}
      <EmailPreview subject={page.subject} html={page.html} />
    </div>
  );
}
