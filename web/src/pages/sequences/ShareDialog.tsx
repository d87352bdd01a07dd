import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import type { Sequence, SequenceShare, ShareCandidates } from '../../api/types.ts';
import { Dialog } from '../../components/Dialog.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { sequencesKey } from './sequence-actions.ts';

type PrincipalType = SequenceShare['principalType'];
interface Shares {
  items: SequenceShare[];
}

const shareUrl = (sequenceId: string, type: PrincipalType, principalId: string) =>
  `/api/sequences/${sequenceId}/shares/${type}/${encodeURIComponent(principalId)}`;

/**
 * Who a sequence is shared with (SPEC.md §4: full rights on it), with a remove button each, and a picker to share
 * it with another user or business unit of the organisation.
 */
export function ShareDialog({ sequence, onClose }: { sequence: Sequence; onClose(): void }) {
  const { t } = useTranslation('sequences');
  const client = useQueryClient();
  const sharesKey = ['sequence', sequence.id, 'shares'];
  const shares = useQuery({
    queryKey: sharesKey,
    queryFn: () => api<Shares>('GET', `/api/sequences/${sequence.id}/shares`),
  });
  const candidates = useQuery({
    queryKey: ['sequence', sequence.id, 'share-candidates'],
    queryFn: () => api<ShareCandidates>('GET', `/api/sequences/${sequence.id}/share-candidates`),
  });
  const [type, setType] = useState<PrincipalType>('user');
  const [principalId, setPrincipalId] = useState('');
  const changed = async (result: Shares) => {
    client.setQueryData(sharesKey, result);
    await Promise.all([
      client.invalidateQueries({ queryKey: sequencesKey }),
      client.invalidateQueries({ queryKey: ['sequence', sequence.id], exact: true }),
    ]);
  };
  const add = useMutation({
    mutationFn: () => api<Shares>('PUT', shareUrl(sequence.id, type, principalId)),
    onSuccess: async (result) => {
      setPrincipalId('');
      await changed(result);
    },
  });
  const remove = useMutation({
    mutationFn: (share: SequenceShare) =>
      api<Shares>('DELETE', shareUrl(sequence.id, share.principalType, share.principalId)),
    onSuccess: changed,
  });
  const items = shares.data?.items ?? [];
  const taken = new Set(items.map((share) => share.principalId));
  const options =
    type === 'user'
      ? (candidates.data?.users ?? [])
          .filter((user) => user.id !== sequence.ownerId && !taken.has(user.id))
          .map((user) => ({ id: user.id, label: `${user.name} (${user.businessUnitName})` }))
      : (candidates.data?.businessUnits ?? [])
          .filter((unit) => !taken.has(unit.id))
          .map((unit) => ({ id: unit.id, label: unit.name }));
  const nameOf = (share: SequenceShare) => share.name ?? t('share.gone');
  return (
    <Dialog
      title={t('share.title', { name: sequence.name })}
      onClose={onClose}
      footer={
        <button type="button" onClick={onClose}>
          {t('common:actions.close')}
        </button>
      }
    >
      <p className="muted">{t('share.help')}</p>
      <form
        className="share-picker"
        aria-label={t('share.add')}
        onSubmit={(event) => {
          event.preventDefault();
          if (principalId && !add.isPending) add.mutate();
        }}
      >
        <label>
          {t('share.withKind')}
          <select
            data-testid="share-kind"
            value={type}
            onChange={(event) => {
              setType(event.target.value as PrincipalType);
              setPrincipalId('');
            }}
          >
            <option value="user">{t('share.kind.user')}</option>
            <option value="business_unit">{t('share.kind.business_unit')}</option>
          </select>
        </label>
        <label>
          {type === 'user' ? t('share.kind.user') : t('share.kind.business_unit')}
          <select
            data-testid="share-principal"
            value={principalId}
            onChange={(event) => setPrincipalId(event.target.value)}
          >
            <option value="">{t('share.choose')}</option>
            {options.map((option) => (
              <option key={option.id} value={option.id}>
                {option.label}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="primary" disabled={!principalId || add.isPending}>
          {t('share.add')}
        </button>
      </form>
      <ErrorMessage error={add.error ?? remove.error ?? shares.error ?? candidates.error} />
      <h3>{t('share.current')}</h3>
      {shares.isSuccess && items.length === 0 && <p className="empty">{t('share.none')}</p>}
      <ul className="plain-list" aria-label={t('share.current')}>
        {items.map((share) => (
          <li key={`${share.principalType}:${share.principalId}`} className="share-item">
            <span>
              <strong>{nameOf(share)}</strong>{' '}
              <span className="muted">
                {share.principalType === 'user'
                  ? t('share.kind.user') + (share.businessUnitName ? ` · ${share.businessUnitName}` : '')
                  : t('share.kind.business_unit')}
              </span>
            </span>
            <button
              type="button"
              aria-label={t('share.remove', { name: nameOf(share) })}
              disabled={remove.isPending}
              onClick={() => remove.mutate(share)}
            >
              {t('share.removeShort')}
            </button>
          </li>
        ))}
      </ul>
    </Dialog>
  );
}
