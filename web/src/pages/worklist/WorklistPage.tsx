import { useQueries, useQuery } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useSearchParams } from 'react-router';
import { hasEverRun } from '../../../../src/domain/sequence/lifecycle.ts';
import { api, query } from '../../api/client.ts';
import {
  ACTIVITY_KINDS,
  type ApiWorkItem,
  type Page,
  RECORD_TYPES,
  type Sequence,
  toWorkItem,
  type WorkItem,
} from '../../api/types.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { HeldEmailsPanel } from '../../components/HeldEmails.tsx';
import type { Panel } from '../../components/StepActions.tsx';
import { useFormat } from '../../i18n/format.ts';
import { BulkEmailDialog } from './BulkEmailDialog.tsx';
import { MailboxReconnectItem } from './MailboxReconnectItem.tsx';
import { isUnread, WorkItemRow } from './WorkItemRow.tsx';
import { ShortcutsDialog, useSkipStep, useWorklistKeys } from './worklist-keys.tsx';

const BUCKETS = ['overdue', 'today', 'later'] as const;
export type Bucket = (typeof BUCKETS)[number];
const SORTS = ['due', 'record_name', 'record_type', 'sequence'] as const;

type Row =
  | { type: 'header'; bucket: Bucket; count: number }
  | { type: 'item'; item: WorkItem; bucket: Bucket };

/**
 * One request per bucket: the server decides overdue / today / later with its clock and the seller's time zone,
 * so the groups match what every other client sees.
 */
export function useWorklist(params: Record<string, string>) {
  const buckets = BUCKETS.filter((bucket) => !params.due || bucket === params.due);
  const results = useQueries({
    queries: buckets.map((bucket) => ({
      queryKey: ['worklist', { ...params, due: bucket }],
      queryFn: async () => {
        const page = await api<Page<ApiWorkItem>>(
          'GET',
          `/api/worklist${query({ ...params, due: bucket, limit: 500 })}`,
        );
        return page.items.map((item) => ({ ...toWorkItem(item), bucket }));
      },
    })),
  });
  return {
    items: results.flatMap((result) => result.data ?? []),
    error: results.find((result) => result.error)?.error ?? null,
    isSuccess: results.every((result) => result.isSuccess),
  };
}

/** The seller's due steps grouped overdue / today / later, with filters, sorts, inline actions and bulk email. */
export function WorklistPage() {
  const { t } = useTranslation('worklist');
  const format = useFormat();
  const [params, setParams] = useSearchParams();
  const filters = {
    due: params.get('due') ?? '',
    kind: params.get('kind') ?? '',
    recordType: params.get('recordType') ?? '',
    sequenceId: params.get('sequenceId') ?? '',
    unread: params.get('unread') ?? '',
    followed: params.get('followed') ?? '',
    sort: params.get('sort') ?? 'due',
  };
  const worklist = useWorklist(filters);
  const sequences = useQuery({
    queryKey: ['sequences', 'all'],
    queryFn: () => api<Page<Sequence>>('GET', '/api/sequences?limit=500'),
  });
  const [selected, setSelected] = useState<Set<string>>(new Set());
  /** The items the bulk email was opened for, kept while it is open: sent steps leave the list, the result stays. */
  const [bulk, setBulk] = useState<WorkItem[] | null>(null);
  const [expanded, setExpanded] = useState<string | null>(null);
  const scroller = useRef<HTMLDivElement>(null);
  const [activeId, setActiveId] = useState<string | null>(null);
  const [request, setRequest] = useState<{ id: string; panel: Exclude<Panel, null>; n: number } | null>(null);
  const [help, setHelp] = useState(false);
  const navigate = useNavigate();
  const skip = useSkipStep();

  const rows = useMemo<Row[]>(() => {
    const items = worklist.items.filter(
      (item) =>
        (!filters.kind || item.kind === filters.kind) &&
        (!filters.recordType || item.recordType === filters.recordType) &&
        (!filters.sequenceId || item.sequenceId === filters.sequenceId) &&
        (filters.unread !== 'true' || isUnread(item)) &&
        (filters.followed !== 'true' || item.followed),
    );
    const groups = new Map<Bucket, WorkItem[]>(BUCKETS.map((bucket) => [bucket, []]));
    for (const item of items) groups.get(item.bucket ?? 'later')!.push(item);
    return BUCKETS.filter((bucket) => !filters.due || bucket === filters.due).flatMap((bucket) => {
      const list = groups.get(bucket)!;
      if (list.length === 0) return [];
      return [
        { type: 'header' as const, bucket, count: list.length },
        ...list.map((item) => ({ type: 'item' as const, item, bucket })),
      ];
    });
  }, [
    worklist.items,
    filters.kind,
    filters.recordType,
    filters.sequenceId,
    filters.unread,
    filters.followed,
    filters.due,
  ]);

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: (index) => (rows[index]?.type === 'header' ? 40 : 72),
    overscan: 10,
  });

  // Each move cancels the focus a previous move still has pending (a key pressed before the next frame, such as
  // `c` right after `j`, must not have its panel's focus taken back by the item).
  const focusTicket = useRef(0);
  const setActive = (item: WorkItem, focus = true) => {
    setActiveId(item.id);
    const ticket = ++focusTicket.current;
    const index = rows.findIndex((row) => row.type === 'item' && row.item.id === item.id);
    if (index >= 0) virtualizer.scrollToIndex(index, { align: 'auto' });
    if (focus) {
      requestAnimationFrame(() => {
        if (ticket !== focusTicket.current) return;
        document.querySelector<HTMLElement>(`[data-item-id="${item.id}"]`)?.focus();
      });
    }
  };
  useWorklistKeys({
    items: rows.flatMap((row) => (row.type === 'item' ? [row.item] : [])),
    activeId,
    setActive,
    open: (item) => navigate(`/record/${item.recordId}?from=worklist`),
    openPanel: (item, panel) => {
      setActive(item, false);
      setExpanded(item.id);
      setRequest({ id: item.id, panel, n: (request?.n ?? 0) + 1 });
    },
    skip,
    showHelp: () => setHelp(true),
  });

  function setParam(key: string, value: string) {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  }

  const chosen = worklist.items.filter((item) => selected.has(item.id));
  const first = chosen[0];
  const sameEmailStep =
    !!first &&
    chosen.every(
      (item) =>
        item.kind === 'email' &&
        item.sequenceId === first.sequenceId &&
        (item.nodeId ?? item.name) === (first.nodeId ?? first.name),
    );

  return (
    <section className="page worklist">
      <header className="page-header">
        <h1>{t('title')}</h1>
        <div className="actions">
          <button
            type="button"
            className="primary"
            disabled={!sameEmailStep}
            onClick={() => setBulk(chosen)}
            title={t('bulk.hint')}
          >
            {t('bulk.action', { count: chosen.length })}
          </button>
        </div>
      </header>
      <search className="toolbar">
        <label>
          {t('filters.due')}
          <select value={filters.due} onChange={(event) => setParam('due', event.target.value)}>
            <option value="">{t('filters.all')}</option>
            {BUCKETS.map((bucket) => (
              <option key={bucket} value={bucket}>
                {t(`bucket.${bucket}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('filters.activity')}
          <select value={filters.kind} onChange={(event) => setParam('kind', event.target.value)}>
            <option value="">{t('filters.all')}</option>
            {ACTIVITY_KINDS.map((kind) => (
              <option key={kind} value={kind}>
                {t(`common:kind.${kind}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('filters.recordType')}
          <select value={filters.recordType} onChange={(event) => setParam('recordType', event.target.value)}>
            <option value="">{t('filters.all')}</option>
            {RECORD_TYPES.map((type) => (
              <option key={type} value={type}>
                {t(`common:recordType.${type}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('filters.sequence')}
          <select value={filters.sequenceId} onChange={(event) => setParam('sequenceId', event.target.value)}>
            <option value="">{t('filters.all')}</option>
            {/* Work comes only from sequences that have run (a deactivated one's records carry on). */}
            {(sequences.data?.items ?? []).filter(hasEverRun).map((sequence) => (
              <option key={sequence.id} value={sequence.id}>
                {sequence.name}
              </option>
            ))}
          </select>
        </label>
        <label className="inline">
          <input
            type="checkbox"
            checked={filters.unread === 'true'}
            onChange={(event) => setParam('unread', event.target.checked ? 'true' : '')}
          />
          {t('filters.unread')}
        </label>
        <label className="inline">
          <input
            type="checkbox"
            checked={filters.followed === 'true'}
            onChange={(event) => setParam('followed', event.target.checked ? 'true' : '')}
          />
          {t('filters.followed')}
        </label>
        <label>
          {t('sort.label')}
          <select value={filters.sort} onChange={(event) => setParam('sort', event.target.value)}>
            {SORTS.map((sort) => (
              <option key={sort} value={sort}>
                {t(`sort.${sort}`)}
              </option>
            ))}
          </select>
        </label>
      </search>
      <HeldEmailsPanel mine />
      <ErrorMessage error={worklist.error} />
      <MailboxReconnectItem />
      <div className="list-scroll" ref={scroller} data-testid="worklist">
        <ul className="virtual-list" style={{ height: virtualizer.getTotalSize() }} aria-label={t('title')}>
          {virtualizer.getVirtualItems().map((virtual) => {
            const row = rows[virtual.index]!;
            return (
              <li
                key={row.type === 'header' ? `h-${row.bucket}` : row.item.id}
                ref={virtualizer.measureElement}
                data-index={virtual.index}
                className="virtual-row"
                style={{ transform: `translateY(${virtual.start}px)` }}
              >
                {row.type === 'header' ? (
                  <h2 className={`bucket bucket-${row.bucket}`}>
                    {t(`bucket.${row.bucket}`)} <span className="count">{format.number(row.count)}</span>
                  </h2>
                ) : (
                  <WorkItemRow
                    item={row.item}
                    bucket={row.bucket}
                    selected={selected.has(row.item.id)}
                    expanded={expanded === row.item.id}
                    active={activeId === row.item.id}
                    panelRequest={request?.id === row.item.id ? request : null}
                    onToggleExpand={() => {
                      setRequest(null);
                      setExpanded(expanded === row.item.id ? null : row.item.id);
                    }}
                    onSelect={(on) => {
                      const next = new Set(selected);
                      if (on) next.add(row.item.id);
                      else next.delete(row.item.id);
                      setSelected(next);
                    }}
                  />
                )}
              </li>
            );
          })}
        </ul>
        {worklist.isSuccess && rows.length === 0 && <p className="empty">{t('empty')}</p>}
      </div>
      <p className="muted small keys-hint">{t('walk:keys.hint')}</p>
      {help && <ShortcutsDialog onClose={() => setHelp(false)} />}
      {bulk && (
        <BulkEmailDialog
          items={bulk}
          onClose={() => setBulk(null)}
          onSent={() => {
            setBulk(null);
            setSelected(new Set());
          }}
        />
      )}
    </section>
  );
}
