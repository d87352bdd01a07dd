import { type ReactNode, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

/** A modal built on <dialog>: focus moves in, Escape cancels, the page behind is inert. */
export function Modal({
  title,
  children,
  onCancel,
  testId,
}: {
  title: string;
  children: ReactNode;
  onCancel(): void;
  testId: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) {
      dialog.showModal();
      // showModal focuses the first focusable element (often Cancel); a dialog may name a better start.
      dialog.querySelector<HTMLElement>('[data-autofocus]')?.focus();
    }
    return () => dialog?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      className="designer-dialog"
      aria-labelledby={`${testId}-title`}
      data-testid={testId}
      onCancel={(event) => {
        event.preventDefault();
        onCancel();
      }}
    >
      <h2 id={`${testId}-title`}>{title}</h2>
      {children}
    </dialog>
  );
}

export function ConfirmDialog({
  title,
  message,
  confirmLabel,
  danger,
  onConfirm,
  onCancel,
}: {
  title: string;
  message: string;
  confirmLabel: string;
  danger?: boolean;
  onConfirm(): void;
  onCancel(): void;
}) {
  const { t } = useTranslation('designer');
  return (
    <Modal title={title} onCancel={onCancel} testId="confirm-dialog">
      <p>{message}</p>
      <div className="designer-dialog-actions">
        <button type="button" onClick={onCancel}>
          {t('cancel')}
        </button>
        <button
          type="button"
          className={danger ? 'danger' : 'primary'}
          onClick={onConfirm}
          data-testid="confirm"
        >
          {confirmLabel}
        </button>
      </div>
    </Modal>
  );
}

/** Activation: confirmation, and a change note when a revision replaces the running version. */
export function ActivateDialog({
  revision,
  busy,
  error,
  onActivate,
  onCancel,
}: {
  revision: boolean;
  busy: boolean;
  error: string | null;
  onActivate(changeNote: string | null): void;
  onCancel(): void;
}) {
  const { t } = useTranslation('designer');
  const [note, setNote] = useState('');
  return (
    <Modal title={t('activate.title')} onCancel={onCancel} testId="activate-dialog">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          onActivate(note.trim() || null);
        }}
      >
        <p>{t(revision ? 'activate.revisionText' : 'activate.text')}</p>
        {revision && (
          <label>
            {t('activate.changeNote')}
            <textarea
              rows={3}
              maxLength={2000}
              required
              value={note}
              data-testid="change-note"
              onChange={(e) => setNote(e.target.value)}
            />
          </label>
        )}
        {error && (
          <p role="alert" className="error" data-testid="activate-error">
            {error}
          </p>
        )}
        <div className="designer-dialog-actions">
          <button type="button" onClick={onCancel}>
            {t('cancel')}
          </button>
          {/* Without a note to write, the keyboard starts on Activate: Enter activates, as the dialog asks. */}
          <button
            type="submit"
            className="primary"
            disabled={busy}
            data-testid="activate-confirm"
            data-autofocus={revision ? undefined : true}
          >
            {t('activate.confirm')}
          </button>
        </div>
      </form>
    </Modal>
  );
}
