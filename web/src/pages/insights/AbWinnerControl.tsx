import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import type { Page, SequenceInsights } from '../../api/types.ts';
import { useSession } from '../../app/session.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { useToast } from '../../components/Toast.tsx';

type AbTest = SequenceInsights['abTests'][number];

/** Who decided the winner: a person who chose it by hand, or the z-test at the end rule. */
export function AbDecidedBy({ test }: { test: AbTest }) {
  const { t } = useTranslation('insights');
  const { me } = useSession();
  const decidedBy = test.winner?.decidedBy ?? null;
  const users = useQuery({
    queryKey: ['users', 'assignable'],
    queryFn: () => api<Page<{ id: string; name: string }>>('GET', '/api/users?limit=500'),
    enabled: decidedBy !== null && decidedBy !== me?.userId,
  });
  if (!test.winner) return null;
  if (decidedBy === null) return <span data-testid="ab-decided-by">{t('ab.decidedByTest')}</span>;
  const person =
    decidedBy === me?.userId
      ? me.name
      : (users.data?.items.find((user) => user.id === decidedBy)?.name ?? decidedBy);
  return <span data-testid="ab-decided-by">{t('ab.chosenBy', { person })}</span>;
}

/** Pick the winner by hand (people who may edit the sequence): new recipients get only that variant. */
export function AbWinnerControl({ sequenceId, test }: { sequenceId: string; test: AbTest }) {
  const { t } = useTranslation('insights');
  const toast = useToast();
  const client = useQueryClient();
  const [variant, setVariant] = useState(test.winner?.variant ?? test.variants[0]?.variant ?? '');
  const choose = useMutation({
    mutationFn: () =>
      api('PUT', `/api/sequences/${sequenceId}/ab-tests/${encodeURIComponent(test.nodeId)}/winner`, {
        variant,
      }),
    onSuccess: async () => {
      toast.show(t('ab.chosenToast', { variant }));
      await client.invalidateQueries({ queryKey: ['insights', sequenceId] });
    },
  });
  return (
    <form
      className="inline-form"
      aria-label={t('ab.chooseTitle')}
      onSubmit={(event) => {
        event.preventDefault();
        choose.mutate();
      }}
    >
      <label>
        {t('ab.chooseLabel')}{' '}
        <select value={variant} onChange={(event) => setVariant(event.target.value)}>
          {test.variants.map((v) => (
            <option key={v.variant} value={v.variant}>
              {v.variant}
            </option>
          ))}
        </select>
      </label>{' '}
      <button type="submit" disabled={choose.isPending || variant === ''}>
        {t('ab.choose')}
      </button>
      <ErrorMessage error={choose.error} />
    </form>
  );
}
