import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, query } from '../../api/client.ts';
import type { ConnectResponse, Page, RecordType, Sequence } from '../../api/types.ts';
import { Dialog } from '../../components/Dialog.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { useToast } from '../../components/Toast.tsx';
import { NewSequenceDialog } from '../sequences/NewSequenceDialog.tsx';
import { ConnectResultView } from './ConnectResultView.tsx';

/**
 * Connect records to a sequence: active sequences of the records' type, or "Create new sequence". The result
 * lists what was connected and why the rest were refused.
 */
export function ConnectDialog({
  recordType,
  recordIds: givenIds,
  names: givenNames,
  onClose,
  onDone,
}: {
  recordType: RecordType;
  recordIds: string[];
  names?: Map<string, string>;
  onClose(): void;
  onDone?(): void;
}) {
  const { t } = useTranslation('records');
  const client = useQueryClient();
  // The records as the dialog was opened: the grid clears its selection once they are connected, while the
  // title and the result must keep naming them.
  const [recordIds] = useState(givenIds);
  const [names] = useState(givenNames);
  const [sequenceId, setSequenceId] = useState('');
  const [creating, setCreating] = useState(false);
  const sequences = useQuery({
    queryKey: ['sequences', { status: 'active', recordType }],
    queryFn: () =>
      api<Page<Sequence>>('GET', `/api/sequences${query({ status: 'active', recordType, limit: 500 })}`),
  });
  const choices = (sequences.data?.items ?? []).filter(
    (sequence) => sequence.recordType === recordType && sequence.status !== 'inactive',
  );
  const connect = useMutation({
    mutationFn: () => api<ConnectResponse>('POST', `/api/sequences/${sequenceId}/connections`, { recordIds }),
    onSuccess: async () => {
      await client.invalidateQueries();
      onDone?.();
    },
  });
  if (creating) {
    return (
      <NewSequenceDialog
        initialRecordType={recordType}
        onClose={() => setCreating(false)}
        onCreated={(sequence) => {
          setCreating(false);
          window.open(`/sequences/${sequence.id}`, '_self');
        }}
      />
    );
  }
  return (
    <Dialog
      title={t('connect.title', { count: recordIds.length })}
      onClose={onClose}
      footer={
        connect.isSuccess ? (
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
              disabled={!sequenceId || connect.isPending}
              onClick={() => connect.mutate()}
              data-testid="confirm-connect"
            >
              {t('connect.submit')}
            </button>
          </>
        )
      }
    >
      {connect.isSuccess ? (
        <ConnectResultView response={connect.data} total={recordIds.length} names={names} />
      ) : (
        <>
          <fieldset className="choice-list">
            <legend>{t('connect.choose', { type: t(`common:recordType.${recordType}`) })}</legend>
            {choices.map((sequence) => (
              <label key={sequence.id} className="inline">
                <input
                  type="radio"
                  name="sequence"
                  value={sequence.id}
                  checked={sequenceId === sequence.id}
                  onChange={() => setSequenceId(sequence.id)}
                />
                {sequence.name}
              </label>
            ))}
            {sequences.isSuccess && choices.length === 0 && <p className="muted">{t('connect.noActive')}</p>}
          </fieldset>
          <button type="button" className="link" onClick={() => setCreating(true)}>
            {t('connect.createNew')}
          </button>
          <ErrorMessage error={connect.error ?? sequences.error} />
        </>
      )}
    </Dialog>
  );
}

export function DisconnectDialog({
  recordIds,
  onClose,
  onDone,
}: {
  recordIds: string[];
  onClose(): void;
  onDone?(): void;
}) {
  const { t } = useTranslation('records');
  const client = useQueryClient();
  const toast = useToast();
  const disconnect = useMutation({
    // One record (Up next, or one row picked) is disconnected by its own endpoint, so a refusal comes back as
    // an error to show rather than as a per-record status the toast would not mention.
    mutationFn: () =>
      recordIds.length === 1
        ? api('DELETE', `/api/records/${encodeURIComponent(recordIds[0]!)}/connection`)
        : api('POST', '/api/connections/disconnect', { recordIds }),
    onSuccess: async () => {
      toast.show(t('walk:toast.disconnected', { count: recordIds.length }));
      await client.invalidateQueries();
      onDone?.();
      onClose();
    },
  });
  return (
    <Dialog
      title={t('disconnect.title', { count: recordIds.length })}
      onClose={onClose}
      footer={
        <>
          <button type="button" onClick={onClose}>
            {t('common:actions.cancel')}
          </button>
          <button
            type="button"
            className="danger"
            disabled={disconnect.isPending}
            onClick={() => disconnect.mutate()}
          >
            {t('disconnect.submit')}
          </button>
        </>
      }
    >
      <p>{t('disconnect.confirm', { count: recordIds.length })}</p>
      <ErrorMessage error={disconnect.error} />
    </Dialog>
  );
}
