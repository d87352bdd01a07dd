import './segments.css';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { mayInOrg } from '../../app/permissions.ts';
import { useSession } from '../../app/session.tsx';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { useToast } from '../../components/Toast.tsx';
import { SegmentEditor } from './SegmentEditor.tsx';
import { deleteSegment, listSegments, type Segment, segmentsKey, useSequenceNames } from './segments-api.ts';

type Open = { kind: 'new' } | { kind: 'edit' | 'delete'; segment: Segment } | null;

/**
 * Sequences → Segments: rules on record fields that connect matching open records to a sequence when they are
 * created or change (SPEC §6). Sequence managers and admins manage them (`manage_segments` from `/api/me`);
 * everyone else is told so, and offered nothing.
 */
export function SegmentsPage() {
  const { t } = useTranslation('segments');
  const { me } = useSession();
  const may = mayInOrg(me, 'manage_segments');
  const [open, setOpen] = useState<Open>(null);
  return (
    <section className="page segments-page">
      <header className="page-header">
        <h1>{t('title')}</h1>
        <div className="actions">
          <Link to="/sequences">{t('backToSequences')}</Link>
          {may && open === null && (
            <button
              type="button"
              className="primary"
              onClick={() => setOpen({ kind: 'new' })}
              data-testid="new-segment"
            >
              {t('actions.new')}
            </button>
          )}
        </div>
      </header>
      <p className="muted">{t('help')}</p>
      {!may ? (
        <p role="status" className="card" data-testid="segments-not-allowed">
          {t('notAllowed')}
        </p>
      ) : open?.kind === 'new' || open?.kind === 'edit' ? (
        <SegmentEditor
          key={open.kind === 'edit' ? open.segment.id : 'new'}
          segment={open.kind === 'edit' ? open.segment : null}
          onDone={() => setOpen(null)}
        />
      ) : (
        <SegmentList
          onEdit={(segment) => setOpen({ kind: 'edit', segment })}
          onDelete={(segment) => setOpen({ kind: 'delete', segment })}
        />
      )}
      {open?.kind === 'delete' && <DeleteSegment segment={open.segment} onClose={() => setOpen(null)} />}
    </section>
  );
}

function SegmentList({ onEdit, onDelete }: { onEdit(s: Segment): void; onDelete(s: Segment): void }) {
  const { t } = useTranslation('segments');
  const segments = useQuery({ queryKey: segmentsKey, queryFn: listSegments });
  const names = useSequenceNames();
  if (segments.isError) return <ErrorMessage error={segments.error} />;
  if (!segments.data) return <p className="loading">{t('common:loading')}</p>;
  if (segments.data.length === 0) return <p className="card muted">{t('empty')}</p>;
  return (
    <table className="grid" aria-label={t('title')} data-testid="segment-list">
      <thead>
        <tr>
          <th>{t('fields.name')}</th>
          <th>{t('fields.recordType')}</th>
          <th>{t('fields.sequence')}</th>
          <th className="number">{t('fields.priority')}</th>
          <th>{t('fields.state')}</th>
          <th>
            <span className="visually-hidden">{t('fields.actions')}</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {segments.data.map((segment) => (
          <tr key={segment.id} data-testid="segment-row">
            <td>{segment.name}</td>
            <td>{t(`common:recordType.${segment.recordType}`, { defaultValue: segment.recordType })}</td>
            <td>
              <Link to={`/sequences/${segment.sequenceId}`}>
                {names.data?.get(segment.sequenceId) ?? t('unknownSequence')}
              </Link>
            </td>
            <td className="number">{segment.priority}</td>
            <td>{segment.enabled ? t('state.on') : t('state.off')}</td>
            <td>
              <div className="row-actions">
                <button
                  type="button"
                  onClick={() => onEdit(segment)}
                  aria-label={t('actions.editNamed', { name: segment.name })}
                >
                  {t('actions.edit')}
                </button>
                <button
                  type="button"
                  onClick={() => onDelete(segment)}
                  aria-label={t('actions.deleteNamed', { name: segment.name })}
                >
                  {t('common:actions.delete')}
                </button>
              </div>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function DeleteSegment({ segment, onClose }: { segment: Segment; onClose(): void }) {
  const { t } = useTranslation('segments');
  const client = useQueryClient();
  const toast = useToast();
  const remove = useMutation({
    mutationFn: () => deleteSegment(segment.id),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: segmentsKey });
      toast.show(t('toast.deleted', { name: segment.name }));
    },
    onError: () => toast.show(t('toast.deleteFailed', { name: segment.name })),
  });
  return (
    <ConfirmDialog
      title={t('delete.title')}
      message={t('delete.message', { name: segment.name })}
      confirmLabel={t('common:actions.delete')}
      danger
      onConfirm={() => remove.mutate()}
      onClose={onClose}
    />
  );
}
