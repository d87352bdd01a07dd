import './email.css';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../api/client.ts';
import { useFormat } from '../i18n/format.ts';

interface Notification {
  id: string;
  kind: 'reply' | 'email_held';
  recordId: string | null;
  summary: string;
  createdAt: number;
  read: boolean;
}

/** Polled often enough that a reply shows up on an open page without a reload. */
const POLL_MS = 10_000;

/** The header's bell: unread count, and the latest notifications (replies, held emails) linking to the record. */
export function NotificationBell() {
  const { t } = useTranslation('email');
  const format = useFormat();
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  const list = useQuery({
    queryKey: ['notifications'],
    queryFn: () => api<{ items: Notification[]; unread: number }>('GET', '/api/notifications'),
    refetchInterval: POLL_MS,
  });
  const read = useMutation({
    mutationFn: () => api('POST', '/api/notifications/read'),
    onSuccess: () => client.invalidateQueries({ queryKey: ['notifications'] }),
  });
  const unread = list.data?.unread ?? 0;
  return (
    <div className="notification-bell">
      <button
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
