import { useInfiniteQuery } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Navigate, useParams, useSearchParams } from 'react-router';
import { api, query } from '../../api/client.ts';
import {
  type CrmRecord,
  isConnected,
  type Page,
  RECORD_TYPES,
  type RecordType,
  recordSequenceName,
  recordStepName,
} from '../../api/types.ts';
import { mayInOrg } from '../../app/permissions.ts';
import { useSession } from '../../app/session.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { ConnectDialog, DisconnectDialog } from './ConnectDialog.tsx';
import { ImportDialog } from './ImportDialog.tsx';

const ROW_HEIGHT = 40;
const STATUSES = ['open', 'qualified', 'disqualified', 'won', 'lost'] as const;
type SortKey = 'name' | 'company' | 'status' | 'updated';

/** A grid per record type: search, filter, sort, sequence and step columns, multi-select to connect. */
export function RecordsPage() {
  const { type } = useParams();
  if (!(RECORD_TYPES as readonly string[]).includes(type ?? ''))
    return <Navigate to="/records/lead" replace />;
  return <RecordGrid key={type} recordType={type as RecordType} />;
}

function RecordGrid({ recordType }: { recordType: RecordType }) {
  const { t } = useTranslation('records');
  const { me } = useSession();
  const [params, setParams] = useSearchParams();
  const search = params.get('search') ?? '';
  const status = params.get('status') ?? '';
  const inSequence = params.get('inSequence') ?? '';
  const sort = (params.get('sort') as SortKey | null) ?? 'name';
  const descending = params.get('dir') === 'desc';
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [dialog, setDialog] = useState<'connect' | 'disconnect' | 'import' | null>(null);
  const scroller = useRef<HTMLDivElement>(null);

  const records = useInfiniteQuery({
    queryKey: ['records', recordType, { search, status, inSequence, sort, descending }],
    initialPageParam: '',
    queryFn: ({ pageParam }) =>
      api<Page<CrmRecord>>(
        'GET',
        `/api/records${query({
          type: recordType,
          q: search,
          status,
          inSequence,
          sort: descending ? `-${sort}` : sort,
          limit: 200,
          cursor: pageParam,
        })}`,
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const rows = useMemo(() => records.data?.pages.flatMap((page) => page.items) ?? [], [records.data]);
  const byId = useMemo(() => new Map(rows.map((row) => [row.id, row])), [rows]);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const last = items.at(-1);
  if (last && last.index >= rows.length - 20 && records.hasNextPage && !records.isFetchingNextPage) {
    void records.fetchNextPage();
  }

  function setParam(key: string, value: string) {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  }
  function sortBy(key: SortKey) {
    const next = new URLSearchParams(params);
    next.set('sort', key);
    next.set('dir', sort === key && !descending ? 'desc' : 'asc');
    setParams(next, { replace: true });
  }
  const chosen = [...selected].map((id) => byId.get(id)).filter((row): row is CrmRecord => !!row);
  const allConnected = chosen.length > 0 && chosen.every(isConnected);
  const allSelected = rows.length > 0 && selected.size === rows.length;
  const header = (key: SortKey, label: string) => (
    <th aria-sort={sort === key ? (descending ? 'descending' : 'ascending') : 'none'}>
      <button type="button" className="sort" onClick={() => sortBy(key)}>
        {label}
        {sort === key && <span aria-hidden="true">{descending ? ' ▼' : ' ▲'}</span>}
      </button>
    </th>
  );
  const paddingTop = items[0]?.start ?? 0;
  const paddingBottom = virtualizer.getTotalSize() - (last?.end ?? 0);

  return (
    <section className="page">
      <header className="page-header">
        <h1>{t(`common:recordTypePlural.${recordType}`)}</h1>
        <div className="actions">
          {mayInOrg(me, 'create_sequence') && (
            <button
              type="button"
              className="primary"
              disabled={chosen.length === 0}
              onClick={() => setDialog('connect')}
              data-testid="connect-sequence"
            >
              {t('connect.action')}
            </button>
          )}
          <button type="button" disabled={!allConnected} onClick={() => setDialog('disconnect')}>
            {t('disconnect.action')}
          </button>
          <button type="button" onClick={() => setDialog('import')}>
            {t('import.action')}
          </button>
        </div>
      </header>
      <search className="toolbar">
        <label>
          {t('filters.search')}
          <input
            type="search"
            value={search}
            placeholder={t('filters.searchPlaceholder')}
            onChange={(event) => setParam('search', event.target.value)}
          />
        </label>
        <label>
          {t('field.status')}
          <select value={status} onChange={(event) => setParam('status', event.target.value)}>
            <option value="">{t('filters.all')}</option>
            {STATUSES.map((value) => (
              <option key={value} value={value}>
                {t(`common:recordStatus.${value}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('field.sequence')}
          <select value={inSequence} onChange={(event) => setParam('inSequence', event.target.value)}>
            <option value="">{t('filters.all')}</option>
            <option value="false">{t('filters.withoutSequence')}</option>
            <option value="true">{t('filters.withSequence')}</option>
          </select>
        </label>
        <span className="muted" role="status">
          {t('selected', { count: selected.size })}
        </span>
      </search>
      <ErrorMessage error={records.error} />
      <div className="grid-scroll" ref={scroller} data-testid="records-grid">
        <table
          className="grid"
          aria-label={t(`common:recordTypePlural.${recordType}`)}
          aria-rowcount={rows.length}
        >
          <thead>
            <tr>
              <th className="select">
                <input
                  type="checkbox"
                  aria-label={t('selectAll')}
                  checked={allSelected}
                  onChange={(event) =>
                    setSelected(event.target.checked ? new Set(rows.map((row) => row.id)) : new Set())
                  }
                />
              </th>
              {header('name', t('field.name'))}
              {header('company', t('field.company'))}
              <th>{t('field.email')}</th>
              {header('status', t('field.status'))}
              <th>{t('field.owner')}</th>
              <th>{t('field.sequence')}</th>
              <th>{t('field.currentStep')}</th>
            </tr>
          </thead>
          <tbody>
            {paddingTop > 0 && (
              <tr className="spacer">
                <td colSpan={8} style={{ height: paddingTop, padding: 0, border: 0 }} />
              </tr>
            )}
            {items.map((item) => {
              const row = rows[item.index]!;
              return (
                <tr
                  key={row.id}
                  style={{ height: ROW_HEIGHT }}
                  aria-rowindex={item.index + 2}
                  data-testid="record-row"
                >
                  <td className="select">
                    <input
                      type="checkbox"
                      aria-label={t('selectRecord', { name: row.name })}
                      checked={selected.has(row.id)}
                      onChange={(event) => {
                        const next = new Set(selected);
                        if (event.target.checked) next.add(row.id);
                        else next.delete(row.id);
                        setSelected(next);
                      }}
                    />
                  </td>
                  <td>
                    <Link to={`/record/${row.id}`}>{row.name}</Link>
                  </td>
                  <td>{row.company ?? ''}</td>
                  <td>{row.email ?? ''}</td>
                  <td>{t(`common:recordStatus.${row.status}`, { defaultValue: row.status })}</td>
                  <td>{row.ownerName ?? ''}</td>
                  <td>{recordSequenceName(row) ?? ''}</td>
                  <td>{recordStepName(row) ?? ''}</td>
                </tr>
              );
            })}
            {paddingBottom > 0 && (
              <tr className="spacer">
                <td colSpan={8} style={{ height: paddingBottom, padding: 0, border: 0 }} />
              </tr>
            )}
          </tbody>
        </table>
        {records.isSuccess && rows.length === 0 && <p className="empty">{t('empty')}</p>}
      </div>
      {dialog === 'connect' && (
        <ConnectDialog
          recordType={recordType}
          recordIds={chosen.map((row) => row.id)}
          names={new Map(chosen.map((row) => [row.id, row.name]))}
          onClose={() => setDialog(null)}
          onDone={() => setSelected(new Set())}
        />
      )}
      {dialog === 'disconnect' && (
        <DisconnectDialog
          recordIds={chosen.map((row) => row.id)}
          onClose={() => setDialog(null)}
          onDone={() => setSelected(new Set())}
        />
      )}
      {dialog === 'import' && <ImportDialog recordType={recordType} onClose={() => setDialog(null)} />}
    </section>
  );
}
