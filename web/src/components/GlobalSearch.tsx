import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { type KeyboardEvent, useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { api, query } from '../api/client.ts';
import type { Page } from '../api/types.ts';
import { belongsToField } from './typing-target.ts';

interface Hit {
  group: 'records' | 'sequences' | 'templates';
  id: string;
  name: string;
  detail?: string;
  to: string;
}

const LIMIT = 5;

function useDebounced(value: string, ms: number): string {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setDebounced(value), ms);
    return () => window.clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

/**
 * One search over records, sequences and email templates, in the header; `/` anywhere jumps into it. Arrow keys
 * move through the hits, Enter opens one, Escape closes.
 */
export function GlobalSearch() {
  const { t } = useTranslation('walk');
  const navigate = useNavigate();
  const input = useRef<HTMLInputElement>(null);
  const listId = useId();
  const [text, setText] = useState('');
  const [open, setOpen] = useState(false);
  const [cursor, setCursor] = useState(0);
  // Closing on blur waits so a click on a hit lands; a refocus within that wait must cancel it, or the list
  // would close under the user who came back (Escape, then typing again).
  const closeTimer = useRef<number | undefined>(undefined);
  const keepOpen = () => {
    window.clearTimeout(closeTimer.current);
    setOpen(true);
  };
  const q = useDebounced(text.trim(), 200);
  const enabled = q.length >= 2;
  const records = useQuery({
    queryKey: ['global-search', 'records', q],
    queryFn: () =>
      api<Page<{ id: string; name: string; type: string; company?: string | null }>>(
        'GET',
        `/api/records${query({ q, limit: LIMIT })}`,
      ),
    enabled,
    // Keep the hits on screen while the next keystroke's results load: no flicker, nothing moves under the mouse.
    placeholderData: keepPreviousData,
  });
  const sequences = useQuery({
    queryKey: ['global-search', 'sequences', q],
    queryFn: () =>
      api<Page<{ id: string; name: string }>>('GET', `/api/sequences${query({ q, limit: LIMIT })}`),
    enabled,
    placeholderData: keepPreviousData,
  });
  const templates = useQuery({
    queryKey: ['global-search', 'templates', q],
    queryFn: () =>
      api<Page<{ id: string; name: string }>>('GET', `/api/email-templates${query({ q, limit: LIMIT })}`),
    enabled,
    placeholderData: keepPreviousData,
  });
  const hits: Hit[] = enabled
    ? [
        ...(records.data?.items ?? []).map((r) => ({
          group: 'records' as const,
          id: r.id,
          name: r.name,
          detail: t(`common:recordType.${r.type}`),
          to: `/record/${r.id}`,
        })),
        ...(sequences.data?.items ?? []).map((s) => ({
          group: 'sequences' as const,
          id: s.id,
          name: s.name,
          to: `/sequences/${s.id}`,
        })),
        ...(templates.data?.items ?? []).map((tpl) => ({
          group: 'templates' as const,
          id: tpl.id,
          name: tpl.name,
          to: `/settings/templates${query({ q: tpl.name })}`,
        })),
      ]
    : [];

  useEffect(() => {
    function onSlash(event: globalThis.KeyboardEvent) {
      if (event.key !== '/' || belongsToField(event)) return;
      event.preventDefault();
      input.current?.focus();
      input.current?.select();
    }
    document.addEventListener('keydown', onSlash);
    return () => document.removeEventListener('keydown', onSlash);
  }, []);

  function go(hit: Hit) {
    setOpen(false);
    setText('');
    input.current?.blur();
    navigate(hit.to);
  }
  function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      setCursor((c) => Math.min(c + 1, hits.length - 1));
    } else if (event.key === 'ArrowUp') {
      event.preventDefault();
      setCursor((c) => Math.max(c - 1, 0));
    } else if (event.key === 'Enter' && hits[cursor]) {
      event.preventDefault();
      go(hits[cursor]);
    } else if (event.key === 'Escape') {
      setOpen(false);
      input.current?.blur();
    }
  }
  const searching = enabled && (records.isFetching || sequences.isFetching || templates.isFetching);
  return (
    <div className="global-search">
      <input
        ref={input}
        type="search"
        role="combobox"
        aria-label={t('search.label')}
        aria-expanded={open && enabled}
        aria-controls={listId}
        aria-activedescendant={hits[cursor] ? `${listId}-${cursor}` : undefined}
        placeholder={t('search.placeholder')}
        value={text}
        onChange={(event) => {
          setText(event.target.value);
          setCursor(0);
          keepOpen();
        }}
        onFocus={keepOpen}
        onBlur={() => {
          closeTimer.current = window.setTimeout(() => setOpen(false), 150);
        }}
        onKeyDown={onKeyDown}
        data-testid="global-search"
      />
      {open && enabled && (
        <div id={listId} role="listbox" className="global-search-hits" aria-label={t('search.label')}>
          {hits.map((hit, index) => (
            <div
              key={`${hit.group}-${hit.id}`}
              id={`${listId}-${index}`}
              role="option"
              tabIndex={-1}
              aria-selected={index === cursor}
              className={index === cursor ? 'current' : ''}
              onMouseDown={(event) => event.preventDefault()}
              onClick={() => go(hit)}
              onKeyDown={() => {}}
            >
              <span className="muted small">{t(`search.${hit.group}`)}</span> <strong>{hit.name}</strong>
              {hit.detail && <span className="muted small"> · {hit.detail}</span>}
            </div>
          ))}
          {!searching && hits.length === 0 && <p className="muted">{t('search.none')}</p>}
        </div>
      )}
    </div>
  );
}
