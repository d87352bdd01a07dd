import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type ChangeEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, query } from '../../api/client.ts';
import type { Page, RecordType } from '../../api/types.ts';
import { Dialog } from '../../components/Dialog.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { csvHeader, guessTarget, IMPORT_TARGETS } from './csv-header.ts';

interface ImportAccepted {
  jobId: string;
  existing: boolean;
  status: ImportJob['status'];
}

/** GET /api/import-jobs/:id: progress, and once ended the per-row report. */
interface ImportJob {
  id: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  total: number;
  processed: number;
  imported: number;
  failed: number;
  duplicates: number;
  errors: { row: number; reasons: string[] }[];
  rowsTruncated: boolean;
  ignoredColumns: string[];
  error: string | null;
}

interface RecordField {
  name: string;
  label: string;
  recordType?: RecordType;
}

/** CSV import: choose a file, map each column to a field (guessed from the header), import, read the row report. */
export function ImportDialog({ recordType, onClose }: { recordType: RecordType; onClose(): void }) {
  const { t } = useTranslation('records');
  const client = useQueryClient();
  const [csv, setCsv] = useState('');
  const [mapping, setMapping] = useState<Record<string, string>>({});
  const fields = useQuery({
    queryKey: ['record-fields', recordType],
    queryFn: () => api<Page<RecordField>>('GET', `/api/record-fields${query({ recordType })}`),
  });
  const custom = (fields.data?.items ?? []).filter(
    (field) => !field.recordType || field.recordType === recordType,
  );
  const run = useMutation({
    mutationFn: () => api<ImportAccepted>('POST', '/api/records/import', { type: recordType, csv, mapping }),
  });
  // The import runs as a background job on the server; the dialog polls it until it has ended.
  const jobId = run.data?.jobId;
  const job = useQuery({
    queryKey: ['import-job', jobId],
    queryFn: async () => {
      const current = await api<ImportJob>('GET', `/api/import-jobs/${jobId}`);
      if (current.status === 'done' || current.status === 'failed') {
        await client.invalidateQueries({ queryKey: ['records'] });
      }
      return current;
    },
    enabled: !!jobId,
    refetchInterval: (current) =>
      current.state.data?.status === 'done' || current.state.data?.status === 'failed' ? false : 1000,
  });
  async function choose(event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    if (!file) return;
    const text = await file.text();
    setCsv(text);
    const names = custom.map((field) => field.name);
    setMapping(Object.fromEntries(csvHeader(text).map((header) => [header, guessTarget(header, names)])));
    run.reset();
  }
  const report = job.data;
  const ended = report?.status === 'done' || report?.status === 'failed';
  return (
    <Dialog
      title={t('import.title', { type: t(`common:recordTypePlural.${recordType}`) })}
      onClose={onClose}
      wide
      footer={
        <>
          <button type="button" onClick={onClose}>
            {t('common:actions.close')}
          </button>
          <button
            type="button"
            className="primary"
            disabled={!csv || run.isPending || (!!jobId && !ended)}
            onClick={() => run.mutate()}
          >
            {t('import.submit')}
          </button>
        </>
      }
    >
      <label>
        {t('import.file')}
        <input type="file" accept=".csv,text/csv" onChange={choose} />
      </label>
      {Object.keys(mapping).length > 0 && (
        <table className="grid compact" aria-label={t('import.mapping')}>
          <thead>
            <tr>
              <th>{t('import.column')}</th>
              <th>{t('import.field')}</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(mapping).map(([header, target]) => (
              <tr key={header}>
                <td>{header}</td>
                <td>
                  <select
                    aria-label={t('import.fieldFor', { column: header })}
                    value={target}
                    onChange={(event) => setMapping({ ...mapping, [header]: event.target.value })}
                  >
                    <option value="ignore">{t('import.ignore')}</option>
                    {IMPORT_TARGETS.map((field) => (
                      <option key={field} value={field}>
                        {t(`field.${field}`)}
                      </option>
                    ))}
                    {custom.map((field) => (
                      <option key={field.name} value={field.name}>
                        {field.label}
                      </option>
                    ))}
                  </select>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ErrorMessage error={run.error ?? job.error} />
      {run.data?.existing && <p>{t('import.existing')}</p>}
      {report && !ended && (
        <p role="status" data-testid="import-progress">
          {t('import.progress', { processed: report.processed, total: report.total })}
        </p>
      )}
      {report && ended && (
        <div role="status" className="import-report" data-testid="import-report">
          <p>{t('import.summary', { imported: report.imported, failed: report.failed })}</p>
          {report.duplicates > 0 && <p>{t('import.duplicates', { count: report.duplicates })}</p>}
          {report.error && <p className="error">{report.error}</p>}
          {report.errors.length > 0 && (
            <table className="grid compact" aria-label={t('import.errors')}>
              <thead>
                <tr>
                  <th>{t('import.row')}</th>
                  <th>{t('import.reason')}</th>
                </tr>
              </thead>
              <tbody>
                {report.errors.map((error) => (
                  <tr key={error.row}>
                    <td className="number">{error.row}</td>
                    <td>{error.reasons.join('; ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {report.rowsTruncated && <p>{t('import.truncated')}</p>}
        </div>
      )}
    </Dialog>
  );
}
