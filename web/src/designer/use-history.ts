import { useCallback, useState } from 'react';

/**
 * Undo/redo over immutable values. `set` records a step; `reset` replaces everything (after loading);
 * `markSaved` remembers which value is on the server so the page can tell whether there are unsaved changes.
 */
interface HistoryState<T> {
  past: T[];
  present: T;
  future: T[];
  saved: T;
}

const LIMIT = 100;

export function useHistory<T>(initial: T) {
  const [state, setState] = useState<HistoryState<T>>({
    past: [],
    present: initial,
    future: [],
    saved: initial,
  });
  const set = useCallback((next: T) => {
    setState((s) =>
      next === s.present
        ? s
        : { past: [...s.past, s.present].slice(-LIMIT), present: next, future: [], saved: s.saved },
    );
  }, []);
  const undo = useCallback(() => {
    setState((s) =>
      s.past.length === 0
        ? s
        : {
            past: s.past.slice(0, -1),
            present: s.past.at(-1)!,
            future: [s.present, ...s.future],
            saved: s.saved,
          },
    );
  }, []);
  const redo = useCallback(() => {
    setState((s) =>
      s.future.length === 0
        ? s
        : { past: [...s.past, s.present], present: s.future[0]!, future: s.future.slice(1), saved: s.saved },
    );
  }, []);
  const reset = useCallback(
    (value: T) => setState({ past: [], present: value, future: [], saved: value }),
    [],
  );
  const markSaved = useCallback((value: T) => setState((s) => ({ ...s, saved: value })), []);
  return {
    value: state.present,
    saved: state.saved,
    canUndo: state.past.length > 0,
    canRedo: state.future.length > 0,
    set,
    undo,
    redo,
    reset,
    markSaved,
  };
}
