import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { Dialog } from '../components/Dialog.tsx';

/**
 * Unsaved designer changes are never lost without a word. Closing the tab asks through the browser
 * (`beforeunload`); following a link inside the app (header, breadcrumbs, tabs) is held and the seller chooses:
 * save and leave, leave without saving, or stay.
 */
export function LeaveGuard({ dirty, save }: { dirty: boolean; save(): Promise<boolean> }) {
  const { t } = useTranslation('designer');
  const navigate = useNavigate();
  const [pending, setPending] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  // Set the moment the seller chose to leave (saved or discarded). The page re-renders without the guard only
  // later (the route change is a transition, and the next page may still be loading), and until then the
  // browser must not ask again about changes the seller has just dealt with.
  const leaving = useRef(false);

  useEffect(() => {
    if (!dirty) return;
    leaving.current = false;
    const warn = (event: BeforeUnloadEvent) => {
      if (!leaving.current) event.preventDefault();
    };
    const hold = (event: MouseEvent) => {
      if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey)
        return;
      const link = (event.target as Element | null)?.closest?.('a[href]');
      if (!(link instanceof HTMLAnchorElement) || link.target === '_blank') return;
      const url = new URL(link.href, window.location.href);
      if (url.origin !== window.location.origin) return;
      const to = `${url.pathname}${url.search}${url.hash}`;
      if (leaving.current) return;
      if (to === `${window.location.pathname}${window.location.search}${window.location.hash}`) return;
      event.preventDefault();
      event.stopPropagation();
      setPending(to);
    };
    window.addEventListener('beforeunload', warn);
    document.addEventListener('click', hold, true);
    return () => {
      window.removeEventListener('beforeunload', warn);
      document.removeEventListener('click', hold, true);
    };
  }, [dirty]);

  if (pending === null) return null;
  const leave = () => {
    const to = pending;
    leaving.current = true;
    setPending(null);
    navigate(to);
  };
  return (
    <Dialog
      title={t('leave.title')}
      onClose={() => setPending(null)}
      footer={
        <>
          <button type="button" onClick={() => setPending(null)}>
            {t('leave.stay')}
          </button>
          <button type="button" className="danger" onClick={leave} data-testid="leave-discard">
            {t('leave.discard')}
          </button>
          <button
            type="button"
            className="primary"
            disabled={saving}
            data-testid="leave-save"
            onClick={async () => {
              setSaving(true);
              const saved = await save();
              setSaving(false);
              if (saved) leave();
              else setPending(null);
            }}
          >
            {t('leave.save')}
          </button>
        </>
      }
    >
      <p>{t('leave.message')}</p>
    </Dialog>
  );
}
