import { useTranslation } from 'react-i18next';
import { Dialog } from './Dialog.tsx';

interface ConfirmProps {
  title: string;
  message: string;
  confirmLabel: string;
  danger?: boolean;
  onConfirm(): void;
  onClose(): void;
}

/** Asks before a consequential action, in the app's own dialog (never the browser's `confirm()`). */
export function ConfirmDialog({ title, message, confirmLabel, danger, onConfirm, onClose }: ConfirmProps) {
  const { t } = useTranslation();
  return (
    <Dialog
      title={title}
      onClose={onClose}
      footer={
        <>
          <button type="button" onClick={onClose}>
            {t('actions.cancel')}
          </button>
          <button
            type="button"
            className={danger ? 'danger' : 'primary'}
            data-testid="confirm-action"
            onClick={() => {
              onConfirm();
              onClose();
            }}
          >
            {confirmLabel}
          </button>
        </>
      }
    >
      <p>{message}</p>
    </Dialog>
  );
}
