import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, query } from '../../api/client.ts';
import type { InboundMessage, InboundMessageDetail, Page, Suppression } from '../../api/types.ts';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import { downloadText } from '../../components/download.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { useFormat } from '../../i18n/format.ts';

/**
 * Admin screens of inbound mail (docs/email.md):
 * - the suppression list: search, export as CSV, remove an address so it may be emailed again;
 * - the inbound-message log: every message of the last 30 days with its class, match and what intake did, and
 *   its raw source shown as plain text (never rendered as HTML).
 */

async function fetchCsv(path: string): Promise<string> {
  const response = await fetch(path, { credentials: 'same-origin', headers: { accept: 'text/csv' } });
  if (!response.ok) throw new Error(String(response.status));
  return response.text();
}

export function SuppressionSettings() {
  const { t } = useTranslation('settings');
  const format = useFormat();
  const client = useQueryClient();
  const [search, setSearch] = useState('');
  const [removing, setRemoving] = useState<string | null>(null);
  const list = useInfiniteQuery({
    queryKey: ['suppressions', search],
    initialPageParam: '',
    queryFn: ({ pageParam }) =>
      api<Page<Suppression>>('GET', `/api/suppressions${query({ search, cursor: pageParam, limit: 100 })}`),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const remove = useMutation({
    mutationFn: (address: string) => api<void>('DELETE', `/api/suppressions/${encodeURIComponent(address)}`),
    onSuccess: () => client.invalidateQueries({ queryKey: ['suppressions'] }),
  });
  const csv = useMutation({
    mutationFn: async () =>
      downloadText('suppressions.csv', await fetchCsv('/api/suppressions/export'), 'text/csv'),
  });
  const rows = list.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <section className="card" aria-labelledby="suppressions-title">
      <h2 id="suppressions-title">{t('section.suppressions')}</h2>
      <p className="muted">{t('suppressions.intro')}</p>
      <div className="toolbar">
        <label>
          {t('suppressions.search')}
          <input type="search" value={search} onChange={(event) => setSearch(event.target.value)} />
        </label>
        <button type="button" onClick={() => csv.mutate()} disabled={csv.isPending}>
          {t('suppressions.export')}
        </button>
      </div>
      <ErrorMessage error={list.error ?? remove.error ?? csv.error} />
      <table className="grid" aria-label={t('section.suppressions')}>
        <thead>
          <tr>
            <th>{t('suppressions.address')}</th>
            <th>{t('suppressions.reason')}</th>
            <th>{t('suppressions.since')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.address}>
              <td>{row.address}</td>
              <td>
                {t(`suppressions.reasons.${row.reason}`, { defaultValue: row.reason })}
                {row.detail && <div className="muted small">{row.detail}</div>}
              </td>
              <td>{format.dateTime(row.createdAt)}</td>
              <td>
                <button type="button" onClick={() => setRemoving(row.address)}>
                  {t('suppressions.remove')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.isSuccess && rows.length === 0 && <p className="empty">{t('suppressions.empty')}</p>}
      {list.hasNextPage && (
        <button type="button" onClick={() => void list.fetchNextPage()}>
          {t('suppressions.more')}
        </button>
      )}
      {removing && (
        <ConfirmDialog
          title={t('suppressions.removeTitle')}
          message={t('suppressions.removeMessage', { address: removing })}
          confirmLabel={t('suppressions.remove')}
          danger
          onConfirm={() => remove.mutate(removing)}
          onClose={() => setRemoving(null)}
        />
      )}
    </section>
  );
}

const CLASSES = [
  'bounce',
  'delay',
  'delivered',
  'feedback',
  'auto_reply',
  'challenge',
  'reply',
  'other',
  'unreadable',
];

export function InboundMailSettings() {
  const { t } = useTranslation('settings');
  const format = useFormat();
  const [kind, setKind] = useState('');
  const [open, setOpen] = useState<string | null>(null);
  const list = useInfiniteQuery({
    queryKey: ['inbound-messages', kind],
    initialPageParam: '',
    queryFn: ({ pageParam }) =>
      api<Page<InboundMessage>>(
        'GET',
        `/api/inbound/messages${query({ class: kind, cursor: pageParam, limit: 100 })}`,
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const detail = useQuery({
    queryKey: ['inbound-message', open],
    enabled: open !== null,
    queryFn: () => api<InboundMessageDetail>('GET', `/api/inbound/messages/${open}`),
  });
  const rows = list.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <section className="card" aria-labelledby="inbound-title">
      <h2 id="inbound-title">{t('section.inbound-mail')}</h2>
      <p className="muted">{t('inbound.intro')}</p>
      <label>
        {t('inbound.class')}
        <select value={kind} onChange={(event) => setKind(event.target.value)}>
          <option value="">{t('inbound.allClasses')}</option>
          {CLASSES.map((name) => (
            <option key={name} value={name}>
              {t(`inbound.classes.${name}`)}
            </option>
          ))}
        </select>
      </label>
      <ErrorMessage error={list.error ?? detail.error} />
      <table className="grid" aria-label={t('section.inbound-mail')}>
        <thead>
          <tr>
            <th>{t('inbound.received')}</th>
            <th>{t('inbound.from')}</th>
            <th>{t('inbound.class')}</th>
            <th>{t('inbound.match')}</th>
            <th>{t('inbound.reason')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id}>
              <td>
                <button
                  type="button"
                  className="link"
                  onClick={() => setOpen(open === row.id ? null : row.id)}
                >
                  {format.dateTime(row.receivedAt)}
                </button>
                <div className="muted small">{t(`inbound.via.${row.via}`)}</div>
              </td>
              <td>
                {row.from ?? '—'}
                <div className="muted small">{row.subject}</div>
              </td>
              <td>{t(`inbound.classes.${row.class}`, { defaultValue: row.class })}</td>
              <td>{row.matchedBy ? t(`inbound.matchedBy.${row.matchedBy}`) : t('inbound.unmatched')}</td>
              <td>
                {t(`inbound.outcomes.${row.outcome}`, { defaultValue: row.outcome })}
                {row.reason && <div className="muted small">{row.reason}</div>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.isSuccess && rows.length === 0 && <p className="empty">{t('inbound.empty')}</p>}
      {list.hasNextPage && (
        <button type="button" onClick={() => void list.fetchNextPage()}>
          {t('inbound.more')}
        </button>
      )}
      {open && detail.data && (
        <div className="inbound-source">
          <h3>{t('inbound.source')}</h3>
          {detail.data.sourceTruncated && <p className="muted small">{t('inbound.truncated')}</p>}
          <pre data-testid="inbound-source">{detail.data.source}</pre>
        </div>
      )}
    </section>
  );
}
