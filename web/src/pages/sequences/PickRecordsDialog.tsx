import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, query } from '../../api/client.ts';
import {
  type ConnectResponse,
  type CrmRecord,
  type Page,
  RECORD_TYPES,
  type RecordType,
  recordSequenceName,
  type Sequence,
} from '../../api/types.ts';
import { Dialog } from '../../components/Dialog.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { LoadMore } from '../../components/LoadMore.tsx';
import { ConnectResultView } from '../records/ConnectResultView.tsx';

const PAGE = 50;
/** The most ids one connect request takes (the API's limit); a larger selection is cut here and said so. */
const MAX_SELECTION = 100_000;

interface Filters {
  search: string;
  type: RecordType;
  ownerId: string;
  onlyFree: boolean;
}

/** The records API query for these filters (the same one pages the list and "select all matching"). */
function recordsPath(filters: Filters, limit: number, cursor: string) {
  return `/api/records${query({
    type: filters.type,
    q: filters.search,
    ownerId: filters.ownerId,
    status: filters.onlyFree ? 'open' : '',
    inSequence: filters.onlyFree ? 'false' : '',
    sort: 'name',
    limit,
    cursor,
  })}`;
}

/**
 * "Connect records" from a sequence: search by name, email or company, filter by record type and owner, pick
 * records one by one, all shown, or all matching, then connect exactly those (a large selection runs as a bulk
 * job). The selection stays while the search changes; the title and the button say how many.
 */
export function PickRecordsDialog({ sequence, onClose }: { sequence: Sequence; onClose(): void }) {
  const { t } = useTranslation('connecting');
  const client = useQueryClient();
  const [typed, setTyped] = useState('');
  const [filters, setFilters] = useState<Filters>({
    search: '',
    type: sequence.recordType,
    ownerId: '',
    onlyFree: true,
  });
  const [selected, setSelected] = useState<Map<string, string>>(new Map());
  const [collecting, setCollecting] = useState<number | null>(null);
  const [cut, setCut] = useState(false);
  const [sent, setSent] = useState<{ ids: string[]; names: Map<string, string> } | null>(null);

  useEffect(() => {
    const timer = window.setTimeout(() => setFilters((f) => ({ ...f, search: typed.trim() })), 250);
    return () => window.clearTimeout(timer);
  }, [typed]);

  const users = useQuery({
    queryKey: ['users', 'all'],
    queryFn: () => api<Page<{ id: string; name: string }>>('GET', '/api/users?limit=500'),
  });
  const records = useInfiniteQuery({
    queryKey: ['connect-pick', sequence.id, filters],
    initialPageParam: '',
    queryFn: ({ pageParam }) => api<Page<CrmRecord>>('GET', recordsPath(filters, PAGE, pageParam)),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const rows = useMemo(() => records.data?.pages.flatMap((page) => page.items) ?? [], [records.data]);
  const allShown = rows.length > 0 && rows.every((row) => selected.has(row.id));
  // The search typed but not applied yet: "select all matching" waits for the list to match it.
  const searchPending = typed.trim() !== filters.search;

  const connect = useMutation({
    mutationFn: (ids: string[]) =>
      api<ConnectResponse>('POST', `/api/sequences/${sequence.id}/connections`, { recordIds: ids }),
    onSuccess: () => client.invalidateQueries(),
  });

  function toggle(rowsToChange: CrmRecord[], on: boolean) {
    const next = new Map(selected);
    for (const row of rowsToChange) {
      if (on) next.set(row.id, row.name);
      else next.delete(row.id);
    }
    setSelected(next);
  }

  /** Pages through every record matching the filters and selects them all. */
  async function selectAllMatching() {
    const next = new Map(selected);
    let cursor = '';
    setCollecting(0);
    setCut(false);
    try {
      do {
        const page = await api<Page<CrmRecord>>('GET', recordsPath(filters, 500, cursor));
        for (const row of page.items) next.set(row.id, row.name);
        setCollecting(next.size);
        cursor = page.nextCursor ?? '';
      } while (cursor && next.size < MAX_SELECTION);
      if (next.size > MAX_SELECTION) {
        setCut(true);
        setSelected(new Map([...next].slice(0, MAX_SELECTION)));
      } else setSelected(next);
    } finally {
      setCollecting(null);
    }
  }

  const count = sent ? sent.ids.length : selected.size;
  const title =
    count === 0
      ? t('pick.title', { sequence: sequence.name })
      : t('pick.titleCount', { count, sequence: sequence.name });
  return (
    <Dialog
      wide
      title={title}
      onClose={onClose}
      footer={
        sent ? (
          <button type="button" className="primary" onClick={onClose}>
            {t('common:actions.close')}
          </button>
        ) : (
          <>
            <button type="button" onClick={onClose}>
              {t('common:actions.cancel')}
            </button>
            <button
              type="button"
              className="primary"
              data-testid="connect-picked"
              disabled={selected.size === 0 || collecting !== null || connect.isPending}
              onClick={() => {
                const ids = [...selected.keys()];
                setSent({ ids, names: new Map(selected) });
                connect.mutate(ids);
              }}
            >
              {t('pick.submit', { count: selected.size })}
            </button>
          </>
        )
      }
    >
      {sent ? (
        <>
          {connect.data && (
            <ConnectResultView response={connect.data} total={sent.ids.length} names={sent.names} />
          )}
          <ErrorMessage error={connect.error} />
        </>
      ) : (
        <>
          <search className="toolbar">
            <label>
              {t('pick.search')}
              <input
                type="search"
                value={typed}
                placeholder={t('pick.searchPlaceholder')}
                onChange={(event) => setTyped(event.target.value)}
              />
            </label>
            <label>
              {t('pick.type')}
              <select
                value={filters.type}
                onChange={(event) => setFilters({ ...filters, type: event.target.value as RecordType })}
              >
                {/* Only the sequence's own type: records of another type are refused ("wrong record type"). */}
                {RECORD_TYPES.filter((type) => type === sequence.recordType).map((type) => (
                  <option key={type} value={type}>
                    {t(`common:recordType.${type}`)}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t('pick.owner')}
              <select
                value={filters.ownerId}
                onChange={(event) => setFilters({ ...filters, ownerId: event.target.value })}
              >
                <option value="">{t('pick.anyOwner')}</option>
                {(users.data?.items ?? []).map((user) => (
                  <option key={user.id} value={user.id}>
                    {user.name}
                  </option>
                ))}
              </select>
            </label>
            <label className="inline">
              <input
                type="checkbox"
                checked={filters.onlyFree}
                onChange={(event) => setFilters({ ...filters, onlyFree: event.target.checked })}
              />
              {t('pick.onlyFree')}
            </label>
          </search>
          <div className="actions">
            <span role="status" data-testid="pick-count">
              {t('pick.selected', { count: selected.size })}
              {collecting !== null && ` · ${t('pick.selecting', { count: collecting })}`}
            </span>
            <button
              type="button"
              className="link"
              disabled={collecting !== null || searchPending || records.isFetching || rows.length === 0}
              onClick={() => void selectAllMatching()}
            >
              {t('pick.selectAllMatching')}
            </button>
            {selected.size > 0 && (
              <button type="button" className="link" onClick={() => setSelected(new Map())}>
                {t('pick.clear')}
              </button>
            )}
          </div>
          {cut && <p className="warning">{t('pick.tooMany', { count: MAX_SELECTION })}</p>}
          <ErrorMessage error={records.error ?? users.error} />
          <div className="grid-scroll pick-records">
            <table className="grid" aria-label={t('pick.shown', { count: rows.length })}>
              <thead>
                <tr>
                  <th className="select">
                    <input
                      type="checkbox"
                      aria-label={t('pick.selectShown')}
                      checked={allShown}
                      onChange={(event) => toggle(rows, event.target.checked)}
                    />
                  </th>
                  <th>{t('pick.name')}</th>
                  <th>{t('pick.company')}</th>
                  <th>{t('pick.email')}</th>
                  <th>{t('pick.owner')}</th>
                  <th>{t('pick.sequence')}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr key={row.id} data-testid="pick-row">
                    <td className="select">
                      <input
                        type="checkbox"
                        aria-label={t('pick.selectRecord', { name: row.name })}
                        checked={selected.has(row.id)}
                        onChange={(event) => toggle([row], event.target.checked)}
                      />
                    </td>
                    <td>{row.name}</td>
                    <td>{row.company ?? ''}</td>
                    <td>{row.email ?? ''}</td>
                    <td>{row.ownerName ?? ''}</td>
                    <td>{recordSequenceName(row) ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {records.isSuccess && rows.length === 0 && <p className="empty">{t('pick.empty')}</p>}
            <LoadMore
              hasNextPage={!!records.hasNextPage}
              isFetchingNextPage={records.isFetchingNextPage}
              fetchNextPage={records.fetchNextPage}
            />
          </div>
        </>
      )}
    </Dialog>
  );
}
