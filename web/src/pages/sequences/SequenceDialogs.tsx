import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import type { Sequence, TagRef } from '../../api/types.ts';
import { Dialog } from '../../components/Dialog.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { useToast } from '../../components/Toast.tsx';
import {
  copySequence,
  deactivateSequence,
  deleteSequence,
  sequencesKey,
  setSequenceTags,
  tagIdsOf,
} from './sequence-actions.ts';
import { tagPathName } from './tag-tree.ts';

export function CopyDialog({ sequence, onClose }: { sequence: Sequence; onClose(): void }) {
  const { t } = useTranslation('sequences');
  const client = useQueryClient();
  const navigate = useNavigate();
  const [name, setName] = useState(t('copy.defaultName', { name: sequence.name }));
  const copy = useMutation({
    mutationFn: () => copySequence(sequence.id, name.trim()),
    onSuccess: async (created) => {
      await client.invalidateQueries({ queryKey: sequencesKey });
      navigate(`/sequences/${created.id}`);
    },
  });
  return (
    <Dialog
      title={t('copy.title')}
      onClose={onClose}
      footer={
        <>
          <button type="button" onClick={onClose}>
            {t('common:actions.cancel')}
          </button>
          <button
            type="submit"
            form="copy-sequence"
            className="primary"
            disabled={!name.trim() || copy.isPending}
          >
            {t('actions.copy')}
          </button>
        </>
      }
    >
      {/* A form, so Enter in the name copies (as in New sequence). */}
      <form
        id="copy-sequence"
        onSubmit={(event) => {
          event.preventDefault();
          if (name.trim() && !copy.isPending) copy.mutate();
        }}
      >
        <label>
          {t('fields.name')}
          <input value={name} maxLength={200} onChange={(event) => setName(event.target.value)} />
        </label>
      </form>
      <ErrorMessage error={copy.error} />
    </Dialog>
  );
}

/** Deactivation with confirmation; connected records carry on unless the user also disconnects them. */
export function DeactivateDialog({ sequence, onClose }: { sequence: Sequence; onClose(): void }) {
  const { t } = useTranslation('sequences');
  const client = useQueryClient();
  const toast = useToast();
  const [disconnect, setDisconnect] = useState(false);
  const connected = sequence.connectedCount ?? 0;
  const deactivate = useMutation({
    mutationFn: () => deactivateSequence(sequence.id, disconnect),
    onSuccess: async (result) => {
      toast.show(t('deactivate.done', { name: sequence.name }));
      if (result.disconnected > 0) toast.show(t('walk:toast.disconnected', { count: result.disconnected }));
      await client.invalidateQueries();
      onClose();
    },
  });
  return (
    <Dialog
      title={t('actions.deactivate')}
      onClose={onClose}
      footer={
        <>
          <button type="button" onClick={onClose}>
            {t('common:actions.cancel')}
          </button>
          <button
            type="button"
            className={disconnect ? 'danger' : 'primary'}
            data-testid="confirm-action"
            disabled={deactivate.isPending}
            onClick={() => deactivate.mutate()}
          >
            {t('actions.deactivate')}
          </button>
        </>
      }
    >
      <p>{t('deactivate.confirm', { name: sequence.name })}</p>
      {connected > 0 && (
        <label className="inline">
          <input
            type="checkbox"
            checked={disconnect}
            onChange={(event) => setDisconnect(event.target.checked)}
          />
          {t('deactivate.disconnectRecords', { count: connected })}
        </label>
      )}
      <ErrorMessage error={deactivate.error} />
    </Dialog>
  );
}

export function DeleteDialog({
  sequence,
  onClose,
  onDeleted,
}: {
  sequence: Sequence;
  onClose(): void;
  onDeleted?(): void;
}) {
  const { t } = useTranslation('sequences');
  const client = useQueryClient();
  const remove = useMutation({
    mutationFn: () => deleteSequence(sequence.id),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: sequencesKey });
      onClose();
      onDeleted?.();
    },
  });
  const live = sequence.status !== 'inactive';
  return (
    <Dialog
      title={t('delete.title', { name: sequence.name })}
      onClose={onClose}
      footer={
        <>
          <button type="button" onClick={onClose}>
            {t('common:actions.cancel')}
          </button>
          <button
            type="button"
            className="danger"
            disabled={remove.isPending}
            onClick={() => remove.mutate()}
          >
            {live ? t('delete.deactivateAndDelete') : t('actions.delete')}
          </button>
        </>
      }
    >
      <p>{live ? t('delete.confirmActive', { count: sequence.connectedCount ?? 0 }) : t('delete.confirm')}</p>
      <ErrorMessage error={remove.error} />
    </Dialog>
  );
}

export function SequenceTagsDialog({
  sequence,
  tags,
  onClose,
}: {
  sequence: Sequence;
  tags: TagRef[];
  onClose(): void;
}) {
  const { t } = useTranslation('sequences');
  const client = useQueryClient();
  const [chosen, setChosen] = useState<Set<string>>(new Set(tagIdsOf(sequence)));
  const save = useMutation({
    mutationFn: () => setSequenceTags(sequence, [...chosen]),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: sequencesKey });
      onClose();
    },
  });
  const sorted = [...tags].sort((a, b) => tagPathName(tags, a.id).localeCompare(tagPathName(tags, b.id)));
  return (
    <Dialog
      title={t('tags.applyTitle', { name: sequence.name })}
      onClose={onClose}
      footer={
        <>
          <button type="button" onClick={onClose}>
            {t('common:actions.cancel')}
          </button>
          <button type="button" className="primary" disabled={save.isPending} onClick={() => save.mutate()}>
            {t('common:actions.save')}
          </button>
        </>
      }
    >
      {sorted.length === 0 && <p className="muted">{t('tags.none')}</p>}
      <ul className="plain-list">
        {sorted.map((tag) => (
          <li key={tag.id}>
            <label className="inline">
              <input
                type="checkbox"
                checked={chosen.has(tag.id)}
                onChange={(event) => {
                  const next = new Set(chosen);
                  if (event.target.checked) next.add(tag.id);
                  else next.delete(tag.id);
                  setChosen(next);
                }}
              />
              {tagPathName(tags, tag.id)}
            </label>
          </li>
        ))}
      </ul>
      <ErrorMessage error={save.error} />
    </Dialog>
  );
}
