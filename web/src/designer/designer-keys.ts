import { type KeyboardEvent, useEffect, useRef } from 'react';

/** Keyboard users continue in the properties panel of the node they just added or opened. */
export function focusNameField(): void {
  requestAnimationFrame(() => document.querySelector<HTMLInputElement>('[data-testid="prop-name"]')?.focus());
}

/**
 * Keyboard focus goes back onto the canvas when a side panel closes or a step is deleted (never to the page's
 * top): a step by its id (START_ID for "Sequence starts here") or the + of a slot by its key.
 */
export function focusCanvasNode(id: string): void {
  requestAnimationFrame(() =>
    document.querySelector<HTMLElement>(`.react-flow__node[data-id="${CSS.escape(id)}"]`)?.focus(),
  );
}

export function focusAddButton(slotKey: string): void {
  requestAnimationFrame(() =>
    document.querySelector<HTMLElement>(`[data-testid="add-${CSS.escape(slotKey)}"]`)?.focus(),
  );
}

function isEditable(target: EventTarget): boolean {
  return (
    target instanceof HTMLElement && !!target.closest('input, textarea, select, [contenteditable="true"]')
  );
}

/** Undo, redo and save work anywhere on the page except while typing in a field. */
export function useDesignerShortcuts(actions: { undo(): void; redo(): void; save(): void }): void {
  const shortcuts = useRef<{ undo(): void; redo(): void; save(): void }>(null);
  shortcuts.current = actions;
  useEffect(() => {
    const onShortcut = (event: globalThis.KeyboardEvent) => {
      const mod = event.ctrlKey || event.metaKey;
      if (!mod || !shortcuts.current) return;
      const key = event.key.toLowerCase();
      if (key === 's') {
        event.preventDefault();
        shortcuts.current.save();
        return;
      }
      if ((event.target && isEditable(event.target)) || document.querySelector('dialog[open]')) return;
      if (key === 'z') {
        event.preventDefault();
        if (event.shiftKey) shortcuts.current.redo();
        else shortcuts.current.undo();
      } else if (key === 'y') {
        event.preventDefault();
        shortcuts.current.redo();
      }
    };
    window.addEventListener('keydown', onShortcut);
    return () => window.removeEventListener('keydown', onShortcut);
  }, []);
}

/** On a focused node: Enter opens its properties, Delete/Backspace deletes it. */
export function nodeKeyHandler(select: (id: string) => void, requestDelete: (id: string) => void) {
  return (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.ctrlKey || event.metaKey || event.altKey || isEditable(event.target)) return;
    const element = event.target instanceof HTMLElement ? event.target.closest('.react-flow__node') : null;
    const id = element?.getAttribute('data-id');
    if (!id || id.includes(':')) return;
    if (event.key === 'Enter') {
      event.preventDefault();
      select(id);
      focusNameField();
    } else if (event.key === 'Delete' || event.key === 'Backspace') {
      event.preventDefault();
      requestDelete(id);
    }
  };
}
