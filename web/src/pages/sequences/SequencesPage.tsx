import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type ChangeEvent, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router';
import type { SequenceSort } from '../../../../src/store/repos/sequences-repo.ts';
import { api, query } from '../../api/client.ts';
import {
  type ApiTag,
  flattenTags,
  type Page,
  RECORD_TYPES,
  SEQUENCE_STATUSES,
  type Sequence,
} from '../../api/types.ts';
import { mayInOrg, mayManageTags, mayOnSequence } from '../../app/permissions.ts';
import { useSession } from '../../app/session.tsx';
import { StatusBadge } from '../../components/Badges.tsx';
import { downloadText } from '../../components/download.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { LoadMore } from '../../components/LoadMore.tsx';
import { ActivateDialog } from './ActivateDialog.tsx';
import { NewSequenceDialog } from './NewSequenceDialog.tsx';
import { CopyDialog, DeactivateDialog, DeleteDialog, SequenceTagsDialog } from './SequenceDialogs.tsx';
import {
  editActiveSequence,
  exportSequence,
  importSequenceFile,
  sequencesKey,
  tagIdsOf,
} from './sequence-actions.ts';
import { TagManager } from './TagManager.tsx';
import { tagPathName } from './tag-tree.ts';

type SortKey = SequenceSort;
const PAGE_SIZE = 100;
type Open =
  | { kind: 'new' }
  | { kind: 'tags-manager' }
  | { kind: 'activate' | 'copy' | 'delete' | 'tags' | 'deactivate'; sequence: Sequence }
  | null;

export function useTags() {
  return useQuery({
    queryKey: ['tags'],
    queryFn: async () => flattenTags((await api<{ items: ApiTag[] }>('GET', '/api/tags')).items),
  });
}

/** The sequence list: status next to the name, search, filters, sortable columns, actions per permission. */
export function SequencesPage() {
  const { t } = useTranslation('sequences');
  const { me } = useSession();
  const client = useQueryClient();
  const [params, setParams] = useSearchParams();
  const search = params.get('search') ?? '';
  const status = params.get('status') ?? '';
  const recordType = params.get('recordType') ?? '';
  const tag = params.get('tag') ?? '';
  const sort = (params.get('sort') as SortKey | null) ?? 'name';
  const descending = params.get('dir') === 'desc';
  const [open, setOpen] = useState<Open>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const navigate = useNavigate();

  const sequences = useInfiniteQuery({
    queryKey: [...sequencesKey, { search, status, recordType, tag, sort, descending }],
    initialPageParam: '',
    // The server filters (a parent tag includes its children's sequences), sorts and pages.
    queryFn: ({ pageParam }) =>
      api<Page<Sequence>>(
        'GET',
        `/api/sequences${query({
          q: search,
          status,
          recordType,
          tagId: tag,
          sort,
          direction: descending ? 'desc' : 'asc',
          limit: PAGE_SIZE,
          cursor: pageParam,
        })}`,
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const tags = useTags();
  const tagList = tags.data ?? [];

  const quick = useMutation({
    mutationFn: (action: () => Promise<unknown>) => action(),
    onSuccess: () => client.invalidateQueries({ queryKey: sequencesKey }),
  });

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

  const rows = useMemo(() => sequences.data?.pages.flatMap((page) => page.items) ?? [], [sequences.data]);

  async function onImport(event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    const text = await file.text();
    // Like New and Copy, a successful import opens what it made (in a long list it was otherwise hard to find).
    quick.mutate(async () => {
      const created = await importSequenceFile(text);
      navigate(`/sequences/${created.id}`);
    });
  }

  const header = (key: SortKey, label: string) => (
    <th aria-sort={sort === key ? (descending ? 'descending' : 'ascending') : 'none'}>
      <button type="button" className="sort" onClick={() => sortBy(key)}>
        {label}
        {sort === key && <span aria-hidden="true">{descending ? ' ▼' : ' ▲'}</span>}
      </button>
    </th>
  );

  return (
    <section className="page">
      <header className="page-header">
        <h1>{t('title')}</h1>
        <div className="actions">
          {mayInOrg(me, 'create_sequence') && (
            <>
              <button type="button" className="primary" onClick={() => setOpen({ kind: 'new' })}>
                {t('actions.new')}
              </button>
              <button type="button" onClick={() => fileInput.current?.click()}>
                {t('actions.import')}
              </button>
            </>
          )}
          <input
            ref={fileInput}
            type="file"
            accept="application/json,.json"
            className="visually-hidden"
            // Opened by the Import button only: no second, invisible tab stop (and none without the right).
            tabIndex={-1}
            aria-hidden="true"
            aria-label={t('actions.import')}
            onChange={onImport}
            data-testid="import-sequence-file"
          />
          {mayInOrg(me, 'manage_segments') && (
            <Link to="/sequences/segments" data-testid="segments-link">
              {t('segments:title')}
            </Link>
          )}
          {mayManageTags(me) && (
            <button type="button" onClick={() => setOpen({ kind: 'tags-manager' })}>
              {t('actions.manageTags')}
            </button>
          )}
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
          {t('fields.status')}
          <select value={status} onChange={(event) => setParam('status', event.target.value)}>
            <option value="">{t('filters.all')}</option>
            {SEQUENCE_STATUSES.map((value) => (
              <option key={value} value={value}>
                {t(`common:status.${value}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('fields.recordType')}
          <select value={recordType} onChange={(event) => setParam('recordType', event.target.value)}>
            <option value="">{t('filters.all')}</option>
            {RECORD_TYPES.map((value) => (
              <option key={value} value={value}>
                {t(`common:recordType.${value}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('fields.tags')}
          <select value={tag} onChange={(event) => setParam('tag', event.target.value)}>
            <option value="">{t('filters.all')}</option>
            {tagList.map((item) => (
              <option key={item.id} value={item.id}>
                {tagPathName(tagList, item.id)}
              </option>
            ))}
          </select>
        </label>
      </search>
      <ErrorMessage error={sequences.error ?? quick.error} />
      <table className="grid" aria-label={t('title')}>
        <thead>
          <tr>
            {header('name', t('fields.name'))}
            {header('recordType', t('fields.recordType'))}
            <th>{t('fields.owner')}</th>
            <th>{t('fields.tags')}</th>
            <th>{t('fields.connected')}</th>
            <th>
              <span className="visually-hidden">{t('fields.actions')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((sequence) => {
            const manage = mayOnSequence(me, sequence, 'edit');
            return (
              <tr key={sequence.id} data-testid="sequence-row">
                <td>
                  <Link to={`/sequences/${sequence.id}`} className="strong">
                    {sequence.name}
                  </Link>{' '}
                  <StatusBadge status={sequence.status} />
                  {sequence.description && <div className="muted small">{sequence.description}</div>}
                </td>
                <td>{t(`common:recordType.${sequence.recordType}`)}</td>
                <td>{sequence.ownerName ?? '—'}</td>
                <td>
                  {tagIdsOf(sequence).map((id) => (
                    <span key={id} className="tag">
                      {tagPathName(tagList, id) || sequence.tags?.find((item) => item.id === id)?.name || id}
                    </span>
                  ))}
                </td>
                <td className="number">{sequence.connectedCount ?? 0}</td>
                <td>
                  <div className="row-actions">
                    {manage && sequence.status !== 'active' && (
                      <button type="button" onClick={() => setOpen({ kind: 'activate', sequence })}>
                        {t('actions.activate')}
                      </button>
                    )}
                    {manage && sequence.status !== 'inactive' && (
                      <button type="button" onClick={() => setOpen({ kind: 'deactivate', sequence })}>
                        {t('actions.deactivate')}
                      </button>
                    )}
                    {manage && sequence.status === 'active' && (
                      <button
                        type="button"
                        onClick={() =>
                          quick.mutate(async () => {
                            await editActiveSequence(sequence.id);
                            navigate(`/sequences/${sequence.id}`);
                          })
                        }
                      >
                        {t('actions.editActive')}
                      </button>
                    )}
                    {mayOnSequence(me, sequence, 'copy') && (
                      <button type="button" onClick={() => setOpen({ kind: 'copy', sequence })}>
                        {t('actions.copy')}
                      </button>
                    )}
                    <button type="button" onClick={() => setOpen({ kind: 'tags', sequence })}>
                      {t('actions.tags')}
                    </button>
                    <button
                      type="button"
                      onClick={() =>
                        quick.mutate(async () => {
                          const document = await exportSequence(sequence.id);
                          downloadText(
                            `${sequence.name}.sequence.json`,
                            JSON.stringify(document, null, 2),
                            'application/json',
                          );
                        })
                      }
                    >
                      {t('actions.export')}
                    </button>
                    {mayOnSequence(me, sequence, 'delete') && (
                      <button
                        type="button"
                        className="danger"
                        onClick={() => setOpen({ kind: 'delete', sequence })}
                      >
                        {t('actions.delete')}
                      </button>
                    )}
                  </div>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <LoadMore
        hasNextPage={sequences.hasNextPage}
        isFetchingNextPage={sequences.isFetchingNextPage}
        fetchNextPage={sequences.fetchNextPage}
      />
      {sequences.isSuccess && rows.length === 0 && <p className="empty">{t('empty')}</p>}
      {open?.kind === 'deactivate' && (
        <DeactivateDialog sequence={open.sequence} onClose={() => setOpen(null)} />
      )}
      {open?.kind === 'new' && <NewSequenceDialog onClose={() => setOpen(null)} />}
      {open?.kind === 'tags-manager' && <TagManager tags={tagList} onClose={() => setOpen(null)} />}
      {open?.kind === 'activate' && <ActivateDialog sequence={open.sequence} onClose={() => setOpen(null)} />}
      {open?.kind === 'copy' && <CopyDialog sequence={open.sequence} onClose={() => setOpen(null)} />}
      {open?.kind === 'delete' && <DeleteDialog sequence={open.sequence} onClose={() => setOpen(null)} />}
      {open?.kind === 'tags' && (
        <SequenceTagsDialog sequence={open.sequence} tags={tagList} onClose={() => setOpen(null)} />
      )}
    </section>
  );
}
