import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { api } from '../../api/client.ts';
import type { Sequence, SequenceInsights } from '../../api/types.ts';
import { mayOnSequence } from '../../app/permissions.ts';
import { useSession } from '../../app/session.tsx';
import { useStepName } from '../../components/Badges.tsx';
import { downloadText } from '../../components/download.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { useFormat } from '../../i18n/format.ts';
import { AbDecidedBy, AbWinnerControl } from './AbWinnerControl.tsx';
import { ScheduledEmails } from './ScheduledEmails.tsx';

export const WINDOWS = [30, 90, 180, 365] as const;

async function fetchCsv(path: string): Promise<string> {
  const response = await fetch(path, { credentials: 'same-origin', headers: { accept: 'text/csv' } });
  if (!response.ok) throw new Error(String(response.status));
  return response.text();
}

/** Funnel, per-step figures, email rates, A/B results and the success trend of one sequence, with CSV export. */
export function SequenceInsightsView({ sequenceId }: { sequenceId: string }) {
  const { t } = useTranslation('insights');
  const stepName = useStepName();
  const format = useFormat();
  const [days, setDays] = useState<number>(30);
  const insights = useQuery({
    queryKey: ['insights', sequenceId, days],
    queryFn: () => api<SequenceInsights>('GET', `/api/sequences/${sequenceId}/insights?days=${days}`),
  });
  const { me } = useSession();
  const sequence = useQuery({
    queryKey: ['sequence', sequenceId],
    queryFn: () => api<Sequence>('GET', `/api/sequences/${sequenceId}`),
  });
  const mayChooseWinner = !!sequence.data && mayOnSequence(me, sequence.data, 'edit');
  const csv = useMutation({
    mutationFn: async () => {
      const text = await fetchCsv(`/api/sequences/${sequenceId}/insights.csv?days=${days}`);
      downloadText(`insights-${sequenceId}-${days}d.csv`, text, 'text/csv');
    },
  });
  const data = insights.data;
  const funnel = data
    ? [
        { label: t('funnel.connected'), value: data.connections.total },
        { label: t('funnel.active'), value: data.connections.active },
        { label: t('funnel.completed'), value: data.connections.completed },
        { label: t('funnel.disconnected'), value: data.connections.disconnected },
        { label: t('funnel.succeeded'), value: data.success.succeeded },
      ]
    : [];
  const steps = (data?.steps ?? []).map((step) => ({
    name: stepName(step),
    [t('steps.completed')]: step.completed,
    [t('steps.skipped')]: step.skipped,
    [t('steps.canceled')]: step.canceled,
    [t('steps.open')]: step.open,
  }));
  const trend = (data?.success.trend ?? []).map((point) => ({
    period: format.date(Date.parse(point.periodStart)),
    [t('success.rate')]: Math.round(point.rate * 1000) / 10,
  }));
  return (
    <div className="insights">
      <div className="toolbar">
        <fieldset className="segmented">
          <legend>{t('window')}</legend>
          {WINDOWS.map((value) => (
            <label key={value} className={value === days ? 'selected' : ''}>
              <input type="radio" name="window" checked={value === days} onChange={() => setDays(value)} />
              {t('days', { count: value })}
            </label>
          ))}
        </fieldset>
        <button type="button" onClick={() => csv.mutate()} disabled={csv.isPending}>
          {t('exportCsv')}
        </button>
      </div>
      <ErrorMessage error={insights.error ?? csv.error} />
      {data && (
        <>
          <div className="kpis">
            <Kpi label={t('funnel.connected')} value={format.number(data.connections.total)} />
            <Kpi
              label={t('email.openRate')}
              value={format.percent(data.email.openRate)}
              hint={t('email.openHint')}
            />
            <Kpi label={t('email.clickRate')} value={format.percent(data.email.clickRate)} />
            <Kpi label={t('email.replyRate')} value={format.percent(data.email.replyRate)} />
            <Kpi label={t('email.bounceRate')} value={format.percent(data.email.bounceRate)} />
            <Kpi label={t('success.title')} value={format.percent(data.success.rate)} />
          </div>
          <div className="charts">
            <figure className="card chart">
              <figcaption>{t('funnel.title')}</figcaption>
              <ResponsiveContainer width="100%" height={240}>
                <BarChart data={funnel} layout="vertical" margin={{ left: 40 }}>
                  <CartesianGrid strokeDasharray="3 3" />
                  <XAxis type="number" allowDecimals={false} />
                  <YAxis type="category" dataKey="label" width={120} />
                  <Tooltip />
                  <Bar isAnimationActive={false} dataKey="value" name={t('count')} fill="#0f6cbd" />
                </BarChart>
              </ResponsiveContainer>
            </figure>
            <figure className="card chart">
              <figcaption>{t('success.trend')}</figcaption>
              <ResponsiveContainer width="100%" height={240}>
                <LineChart data={trend}>
                  <CartesianGrid strokeDasharray="3 3" />
                  <XAxis dataKey="period" />
                  <YAxis unit="%" />
                  <Tooltip />
                  <Line
                    isAnimationActive={false}
                    type="monotone"
                    dataKey={t('success.rate')}
                    stroke="#107c10"
                  />
                </LineChart>
              </ResponsiveContainer>
            </figure>
            <figure className="card chart wide">
              <figcaption>{t('steps.title')}</figcaption>
              <ResponsiveContainer width="100%" height={260}>
                <BarChart data={steps}>
                  <CartesianGrid strokeDasharray="3 3" />
                  <XAxis dataKey="name" />
                  <YAxis allowDecimals={false} />
                  <Tooltip />
                  <Legend />
                  <Bar isAnimationActive={false} dataKey={t('steps.completed')} stackId="s" fill="#107c10" />
                  <Bar isAnimationActive={false} dataKey={t('steps.skipped')} stackId="s" fill="#b35c00" />
                  <Bar isAnimationActive={false} dataKey={t('steps.canceled')} stackId="s" fill="#8a8886" />
                  <Bar isAnimationActive={false} dataKey={t('steps.open')} stackId="s" fill="#0f6cbd" />
                </BarChart>
              </ResponsiveContainer>
            </figure>
          </div>
          <table className="grid" aria-label={t('steps.title')}>
            <thead>
              <tr>
                <th>{t('steps.step')}</th>
                <th>{t('steps.completed')}</th>
                <th>{t('steps.skipped')}</th>
                <th>{t('steps.open')}</th>
                <th>{t('email.sent')}</th>
                <th>{t('email.openRate')}</th>
                <th>{t('email.replyRate')}</th>
              </tr>
            </thead>
            <tbody>
              {data.steps.map((step) => (
                <tr key={step.nodeId}>
                  <td>{stepName(step)}</td>
                  <td className="number">{format.number(step.completed)}</td>
                  <td className="number">{format.number(step.skipped)}</td>
                  <td className="number">{format.number(step.open)}</td>
                  <td className="number">{step.email ? format.number(step.email.sent) : '—'}</td>
                  <td className="number">{step.email ? format.percent(step.email.openRate) : '—'}</td>
                  <td className="number">{step.email ? format.percent(step.email.replyRate) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {data.abTests.map((test) => (
            <table key={test.nodeId} className="grid" aria-label={t('ab.title')}>
              <caption>
                {t('ab.caption', {
                  step: data.steps.find((s) => s.nodeId === test.nodeId)?.name ?? test.nodeId,
                })}
                <br />
                <span className="muted" data-testid="ab-winner">
                  {test.winner
                    ? t('ab.winner', {
                        variant: test.winner.variant,
                        metric: t(`ab.metric.${test.winner.metric}`, { defaultValue: test.winner.metric }),
                        date: format.date(Date.parse(test.winner.decidedAt)),
                      })
                    : t('ab.running')}
                </span>{' '}
                <span className="muted">
                  <AbDecidedBy test={test} />
                </span>
                {mayChooseWinner && <AbWinnerControl sequenceId={sequenceId} test={test} />}
              </caption>
              <thead>
                <tr>
                  <th>{t('ab.variant')}</th>
                  <th>{t('email.sent')}</th>
                  <th>{t('email.openRate')}</th>
                  <th>{t('email.clickRate')}</th>
                  <th>{t('email.replyRate')}</th>
                </tr>
              </thead>
              <tbody>
                {test.variants.map((variant) => (
                  <tr key={variant.variant}>
                    <td>{variant.variant}</td>
                    <td className="number">{format.number(variant.sent)}</td>
                    <td className="number">{format.percent(variant.openRate)}</td>
                    <td className="number">{format.percent(variant.clickRate)}</td>
                    <td className="number">{format.percent(variant.replyRate)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ))}
          <ScheduledEmails sequenceId={sequenceId} />
        </>
      )}
    </div>
  );
}

function Kpi({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <div className="card kpi" title={hint}>
      <div className="kpi-value">{value}</div>
      <div className="muted">{label}</div>
    </div>
  );
}
