import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Dialog } from './Dialog.tsx';
import { EmailComposer, missingParts, useWritten, type Written } from './EmailComposer.tsx';
import { ErrorMessage } from './ErrorMessage.tsx';

/**
 * The dialog around the composer, for every email a seller writes from a template source (a manual email step,
 * a held email): the composer once the draft has loaded, Cancel, and one send button that posts what was written.
 */
export function EmailComposerDialog({
  title,
  sendLabel,
  draft,
  draftError,
  source,
  previewPath,
  send,
  onSent,
  onClose,
}: {
  title: string;
  sendLabel: string;
  /** The loaded draft's recipient; undefined while it loads (nothing can be sent yet). */
  draft: { to: string | null } | undefined;
  draftError: unknown;
  source: Written;
  previewPath: string;
  send(written: Written): Promise<unknown>;
  onSent(): unknown;
  onClose(): void;
}) {
  const { t } = useTranslation();
  const { written, setSubject, setBody } = useWritten(source);
  const sending = useMutation({ mutationFn: () => send(written), onSuccess: onSent });
  /** Once the seller tried to send, an empty subject or message is named on its field and nothing is sent. */
  const [tried, setTried] = useState(false);
  const missing = missingParts(written);
  function trySend() {
    setTried(true);
    if (!missing.subject && !missing.body) sending.mutate();
  }
  return (
    <Dialog
      title={title}
      onClose={onClose}
      wide
      footer={
        <>
          <button type="button" onClick={onClose}>
            {t('common:actions.cancel')}
          </button>
          <button type="button" className="primary" disabled={!draft || sending.isPending} onClick={trySend}>
            {sendLabel}
          </button>
        </>
      }
    >
      <ErrorMessage error={draftError} />
      {draft && (
        <EmailComposer
          to={draft.to}
          source={source}
          written={written}
          onSubject={setSubject}
          onBody={setBody}
          previewPath={previewPath}
          missing={tried ? missing : undefined}
        />
      )}
      <ErrorMessage error={sending.error} />
    </Dialog>
  );
}
