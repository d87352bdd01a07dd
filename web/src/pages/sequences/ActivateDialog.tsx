import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../api/client.ts';
import type { Sequence } from '../../api/types.ts';
import { useStepName } from '../../components/Badges.tsx';
import { Dialog } from '../../components/Dialog.tsx';
import { codeText, errorText } from '../../components/errors.ts';
import { fetchSequence } from '../../designer/designer-api.ts';
import { activateSequence, sequencesKey } from './sequence-actions.ts';

/**
 * Activation with confirmation. A revision asks for a change note. Refusals are shown plainly: the 250-limit as
 * its own message, validation problems one per line with the step they concern.
 */
export function ActivateDialog({
  sequence,
  onClose,
  onProblems,
}: {
  sequence: Sequence;
  onClose(): void;
  onProblems?(problems: { nodeId: string | null; code: string }[]): void;
}) {
  const { t } = useTranslation('sequences');
  const client = useQueryClient();
  const [note, setNote] = useState('');
  const needsNote = sequence.status === 'revision';
  const activate = useMutation({
    mutationFn: () => activateSequence(sequence.id, needsNote ? note.trim() : null),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: sequencesKey });
      await client.invalidateQueries({ queryKey: ['sequence', sequence.id] });
      onClose();
    },
    onError: (error) => {
      if (error instanceof ApiError && onProblems) {
        onProblems(
          error.problems.map((problem) => ({
            code: problem.code,
            nodeId: nodeIdOf(problem.path),
          })),
        );
      }
    },
  });
  const error = activate.error;
  // A refusal names steps by their id: show people the step's name (or kind) from the sequence being activated.
  const refused = error instanceof ApiError && error.problems.length > 0;
  const draft = useQuery({
    queryKey: ['sequence', sequence.id, 'activate-draft'],
    queryFn: () => fetchSequence(sequence.id),
    enabled: refused,
  });
  const stepName = useStepName();
  const stepOf = (path: (string | number)[] | undefined) => {
    const node = draft.data?.draft.nodes.find((candidate) => candidate.id === nodeIdOf(path));
    return node ? stepName(node) : null;
  };
  return (
    <Dialog
      title={t('activate.title', { name: sequence.name })}
      onClose={onClose}
      footer={
        <>
          <button type="button" onClick={onClose}>
            {t('common:actions.cancel')}
          </button>
          <button
            type="button"
            className="primary"
            data-testid="confirm-activate"
            // Without a note to write, the keyboard starts on Activate (else on the note): Enter activates.
            data-autofocus={needsNote ? undefined : true}
            disabled={activate.isPending || (needsNote && !note.trim())}
            onClick={() => activate.mutate()}
          >
            {t('actions.activate')}
          </button>
        </>
      }
    >
      <p>{t('activate.confirm')}</p>
      {needsNote && (
        <label>
          {t('activate.changeNote')}
          <textarea
            rows={3}
            maxLength={2000}
            value={note}
            onChange={(event) => setNote(event.target.value)}
          />
        </label>
      )}
      {error && (
        <div role="alert" className="error-box" data-testid="activation-errors">
          <p>
            {error instanceof ApiError && error.code === 'active_limit_reached'
              ? t('activate.limit', { limit: 250 })
              : errorText(t, error)}
          </p>
          {error instanceof ApiError && error.problems.length > 0 && (
            <ul>
              {error.problems.map((problem, index) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: problems have no id
                <li key={index}>
                  {codeText(t, problem.code, problem.message)}
                  {stepOf(problem.path) && <span className="muted"> · {stepOf(problem.path)}</span>}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </Dialog>
  );
}

/** Validation problems name their node in `path` (e.g. ["nodes", "w1"]) or carry it as the last segment. */
export function nodeIdOf(path: (string | number)[] | undefined): string | null {
  if (!path || path.length === 0) return null;
  const index = path.indexOf('nodes');
  const candidate = index >= 0 ? path[index + 1] : path.at(-1);
  return typeof candidate === 'string' ? candidate : null;
}
