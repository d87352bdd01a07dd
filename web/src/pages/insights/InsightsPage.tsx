import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { hasEverRun } from '../../../../src/domain/sequence/lifecycle.ts';
import { api } from '../../api/client.ts';
import type { Page, SellerInsights, Sequence } from '../../api/types.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { useFormat } from '../../i18n/format.ts';
import { SequenceInsightsView } from './SequenceInsightsView.tsx';

/** Insights: pick a sequence for its funnel and trend; per-seller work below. */
export function InsightsPage() {
  const { t } = useTranslation('insights');
  const format = useFormat();
  const sequences = useQuery({
    queryKey: ['sequences', 'all'],
    queryFn: () => api<Page<Sequence>>('GET', '/api/sequences?limit=500'),
  });
  const [chosen, setChosen] = useState('');
  // Only sequences that have run have figures; a draft never activated would show a funnel of zeros.
  const withFigures = (sequences.data?.items ?? []).filter(hasEverRun);
  const sequenceId = chosen || withFigures[0]?.id || '';
  const sellers = useQuery({
    queryKey: ['insights', 'sellers'],
    queryFn: () => api<SellerInsights>('GET', '/api/insights/sellers?days=30'),
  });
  return (
    <section className="page">
      <header className="page-header">
        <h1>{t('title')}</h1>
      </header>
      <label>
        {t('sequence')}
        <select value={sequenceId} onChange={(event) => setChosen(event.target.value)}>
          {withFigures.map((sequence) => (
            <option key={sequence.id} value={sequence.id}>
              {sequence.name}
            </option>
          ))}
        </select>
      </label>
      <ErrorMessage error={sequences.error} />
      {sequenceId && <SequenceInsightsView sequenceId={sequenceId} />}
      <h2>{t('sellers.title')}</h2>
      {sellers.isError ? (
        <ErrorMessage error={sellers.error} />
      ) : (
        <table className="grid" aria-label={t('sellers.title')}>
          <thead>
            <tr>
              <th>{t('sellers.seller')}</th>
              <th>{t('steps.completed')}</th>
              <th>{t('steps.skipped')}</th>
              <th>{t('steps.open')}</th>
              <th>{t('sellers.overdue')}</th>
            </tr>
          </thead>
          <tbody>
            {(sellers.data?.sellers ?? []).map((seller) => (
              <tr key={seller.ownerId}>
                <td>{seller.ownerName}</td>
                <td className="number">{format.number(seller.completed)}</td>
                <td className="number">{format.number(seller.skipped)}</td>
                <td className="number">{format.number(seller.open)}</td>
                <td className="number">{format.number(seller.overdue)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
