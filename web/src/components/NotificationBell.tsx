import './email.css';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../api/client.ts';
import { useFormat } from '../i18n/format.ts';

interface Notification {
  id: string;
  kind: 'reply' | 'email_held' | 'bounce' | 'step_assigned' | 'step_overdue';
  recordId: string | null;
  summary: string;
  createdAt: number;
  read: boolean;
}

/** What a new notification may change on an open page (never an open editor's draft). */
const SETTLE_MS = 3000;
const LIVE_QUERIES = [
  'notifications',
  'worklist',
  'up-next',
  'conversation',
  'timeline',
  'held-emails',
  'outbox',
];

/**
 * Server-sent events from /api/notifications/stream: each new notification refreshes the bell and the open
 * pages' lists without a reload. EventSource reconnects by itself when the stream ends.
 */
function useLiveNotifications() {
  const client = useQueryClient();
  useEffect(() => {
    if (typeof EventSource === 'undefined') return;
    const source = new EventSource('/api/notifications/stream');
    const timers: number[] = [];
    const invalidate = () => {
      for (const key of LIVE_QUERIES) void client.invalidateQueries({ queryKey: [key] });
    };
    // Now, and once more a moment later: the engine may still be acting on what raised the notification (a
    // reply ends its sequence just after it is recorded).
    const refresh = () => {
      invalidate();
      timers.push(window.setTimeout(invalidate, SETTLE_MS));
    };
    source.addEventListener('notification', refresh);
    return () => {
      source.close();
      for (const timer of timers) window.clearTimeout(timer);
    };
  }, [client]);
}

/** The header's bell: unread count, and the latest notifications (replies, held emails) linking to the record. */
export function NotificationBell() {
  const { t } = useTranslation('email');
  const format = useFormat();
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  const list = useQuery({
    queryKey: ['notifications'],
    queryFn: () => api<{ items: Notification[]; unread: number }>('GET', '/api/notifications'),
  });
  useLiveNotifications();
  const read = useMutation({
    mutationFn: () => api('POST', '/api/notifications/read'),
    onSuccess: () => client.invalidateQueries({ queryKey: ['notifications'] }),
  });
  const unread = list.data?.unread ?? 0;
  const bell = useRef<HTMLButtonElement>(null);
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: Escape closes the open panel from the bell or any link in it.
    <div
      className="notification-bell"
      onKeyDown={(event) => {
        if (event.key !== 'Escape' || !open) return;
        setOpen(false);
        bell.current?.focus();
      }}
    >
      <button
        ref={bell}
        type="button"
        aria-expanded={open}
        aria-controls="notification-list"
        data-testid="notification-bell"
        onClick={() => setOpen(!open)}
      >
        {t('notifications.title')}
        {unread > 0 && (
          <span className="badge" data-testid="notification-count">
            {' '}
            {unread}
          </span>
        )}
      </button>
      {open && (
        <div className="notification-panel" id="notification-list" data-testid="notification-list">
          {(list.data?.items ?? []).length === 0 ? (
            <p className="empty">{t('notifications.empty')}</p>
          ) : (
            <ul>
              {(list.data?.items ?? []).map((item) => (
                <li key={item.id} className={item.read ? 'read' : 'unread'} data-testid="notification">
                  <span className="muted small">{t(`notifications.kinds.${item.kind}`)}</span>{' '}
                  {item.recordId ? (
                    <Link to={`/record/${item.recordId}`} onClick={() => setOpen(false)}>
                      {item.summary}
                    </Link>
                  ) : (
                    item.summary
                  )}
                  <div className="muted small">{format.dateTime(item.createdAt)}</div>
                </li>
              ))}
            </ul>
          )}
          {unread > 0 && (
            <button type="button" onClick={() => read.mutate()}>
              {t('notifications.markRead')}
            </button>
          )}
        </div>
      )}
    </div>
  );
}
