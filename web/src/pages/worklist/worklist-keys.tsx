import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import type { WorkItem } from '../../api/types.ts';
import { Dialog } from '../../components/Dialog.tsx';
import { errorText } from '../../components/errors.ts';
import { type Panel, stepActions } from '../../components/StepActions.tsx';
import { useToast } from '../../components/Toast.tsx';
import { belongsToField } from '../../components/typing-target.ts';

/** The work list's keys, in the order the help lists them. */
export const WORKLIST_SHORTCUTS = ['j', 'k', 'Enter', 'c', 's', 'z', 'e', '?', '/'] as const;

export interface WorklistKeyActions {
  items: WorkItem[];
  activeId: string | null;
  setActive(item: WorkItem): void;
  open(item: WorkItem): void;
  openPanel(item: WorkItem, panel: Exclude<Panel, null>): void;
  skip(item: WorkItem): void;
  showHelp(): void;
}

/**
 * j/k move through the work list, Enter opens the record, c completes, s skips, z snoozes, e writes the email
 * of the item under the cursor; `?` shows the list. A seller working the list never needs the mouse.
 */
export function useWorklistKeys(actions: WorklistKeyActions): void {
  const latest = useRef(actions);
  latest.current = actions;
  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      if (belongsToField(event)) return;
      const { items, activeId, setActive, open, openPanel, skip, showHelp } = latest.current;
      if (event.key === '?') {
        event.preventDefault();
        showHelp();
        return;
      }
      const index = items.findIndex((item) => item.id === activeId);
      const active = index >= 0 ? items[index] : undefined;
      const act = (run: (item: WorkItem) => void) => {
        if (!active) return;
        event.preventDefault();
        run(active);
      };
      switch (event.key) {
        case 'j': {
          const next = items[Math.min(index + 1, items.length - 1)];
          if (next) setActive(next);
          return;
        }
        case 'k': {
          const previous = items[Math.max(index - 1, 0)];
          if (previous) setActive(previous);
          return;
        }
        case 'Enter':
          // Enter on a focused button or link keeps its own meaning.
          if ((event.target as HTMLElement | null)?.closest('button, a')) return;
          act(open);
          return;
        case 'c':
          act((item) => openPanel(item, 'complete'));
          return;
        case 's':
          act(skip);
          return;
        case 'z':
          act((item) => openPanel(item, 'snooze'));
          return;
        case 'e':
          act((item) => item.kind === 'email' && openPanel(item, 'compose'));
          return;
        default:
          return;
      }
    }
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
}

/** The `?` help: every shortcut of the work list and the global search. */
export function ShortcutsDialog({ onClose }: { onClose(): void }) {
  const { t } = useTranslation('walk');
  return (
    <Dialog title={t('keys.title')} onClose={onClose}>
      <dl className="shortcuts" data-testid="shortcuts">
        {WORKLIST_SHORTCUTS.map((key) => (
          <div key={key}>
            <dt>
              <kbd>{key === 'Enter' ? t('keys.enterKey') : key}</kbd>
            </dt>
            <dd>{t(`keys.${key === '?' ? 'help' : key === '/' ? 'search' : key}`)}</dd>
          </div>
        ))}
      </dl>
    </Dialog>
  );
}

/** `s`: skips the step at once, with the same toast as the Skip button. */
export function useSkipStep(): (item: WorkItem) => void {
  const { t } = useTranslation('walk');
  const client = useQueryClient();
  const toast = useToast();
  const skip = useMutation({
    mutationFn: (item: WorkItem) => api('POST', `/api/steps/${item.id}/skip`, {}),
    onSuccess: async () => {
      toast.show(t('toast.skip'));
      await client.invalidateQueries();
    },
    onError: (error) => toast.show(errorText(t, error)),
  });
  return (item) => {
    if (stepActions(item).includes('skip')) skip.mutate(item);
  };
}
