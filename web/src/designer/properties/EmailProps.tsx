import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AbTest, NodeOfKind } from '../../../../src/domain/sequence/definition.ts';
import { ApiError, api } from '../../api/client.ts';
import {
  fetchPreviewRecords,
  previewTemplate,
  type TemplatePreview,
  type TemplateSummary,
} from '../designer-api.ts';
import { useDesigner } from '../designer-context.tsx';
import { NumberField } from './shared.tsx';

type EmailNode = NodeOfKind<'email'> | NodeOfKind<'automated_email'>;
const LANGUAGE_FILTERS = ['all', 'en', 'pl'] as const;
type LanguageFilter = (typeof LANGUAGE_FILTERS)[number];
const VARIANT_IDS = ['A', 'B', 'C', 'D', 'E'];

function useLanguageFilter() {
  const { i18n } = useTranslation('designer');
  return useState<LanguageFilter>(i18n.language === 'pl' ? 'pl' : 'en');
}

function LanguageSelect({
  value,
  onChange,
  testId,
}: {
  value: LanguageFilter;
  onChange(value: LanguageFilter): void;
  testId: string;
}) {
  const { t } = useTranslation('designer');
  return (
    <label>
      {t('props.templateLanguage')}
      <select value={value} onChange={(e) => onChange(e.target.value as LanguageFilter)} data-testid={testId}>
        {LANGUAGE_FILTERS.map((l) => (
          <option key={l} value={l}>
            {t(`languages.${l}`)}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Template picker with a language filter (its own, or the parent's `language`) and a preview. */
export function TemplatePicker({
  value,
  required,
  onChange,
  testId,
  label,
  language: sharedLanguage,
}: {
  value: string | null;
  required: boolean;
  onChange(templateId: string | null): void;
  testId: string;
  label?: string;
  language?: LanguageFilter;
}) {
  const { t } = useTranslation('designer');
  const { templates, recordType } = useDesigner();
  const [ownLanguage, setLanguage] = useLanguageFilter();
  const language = sharedLanguage ?? ownLanguage;
  const shown = templates.filter(
    (tpl) =>
      tpl.id === value ||
      ((language === 'all' || tpl.language === language) &&
        (!tpl.recordType || tpl.recordType === recordType)),
  );
  return (
    <div className="designer-template-picker">
      {sharedLanguage === undefined && (
        <LanguageSelect value={language} onChange={setLanguage} testId={`${testId}-language`} />
      )}
      <label>
        {label ?? t('props.template')}
        <select
          value={value ?? ''}
          onChange={(e) => onChange(e.target.value || null)}
          data-testid={testId}
          required={required}
        >
          <option value="">{required ? t('props.chooseTemplate') : t('props.noTemplate')}</option>
          {shown.map((tpl) => (
            <option key={tpl.id} value={tpl.id}>
              {tpl.name} ({tpl.language.toUpperCase()})
            </option>
          ))}
        </select>
      </label>
      {value && (
        <TemplatePreviewBox template={templates.find((tpl) => tpl.id === value)} templateId={value} />
      )}
    </div>
  );
}

function TemplatePreviewBox({ template, templateId }: { template?: TemplateSummary; templateId: string }) {
  const { t } = useTranslation('designer');
  const { recordType } = useDesigner();
  const records = useQuery({
    queryKey: ['designer', 'preview-records', recordType],
    queryFn: () => fetchPreviewRecords(recordType),
    staleTime: 60_000,
  });
  const [recordId, setRecordId] = useState('');
  const [preview, setPreview] = useState<TemplatePreview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const subject = preview?.subject ?? template?.subject;
  const html = preview?.html ?? template?.bodyHtml;
  async function load() {
    setError(null);
    try {
      setPreview(await previewTemplate(templateId, recordId.trim()));
    } catch (caught) {
      setError(
        caught instanceof ApiError
          ? t(`apiErrors.${caught.code}`, { defaultValue: caught.message })
          : t('apiErrors.unknown_error'),
      );
    }
  }
  return (
    <details className="designer-preview">
      <summary>{t('props.preview')}</summary>
      <div className="designer-inline">
        <label>
          {t('props.previewRecord')}
          <select value={recordId} onChange={(e) => setRecordId(e.target.value)}>
            <option value="">{t('props.chooseRecord')}</option>
            {(records.data ?? []).map((record) => (
              <option key={record.id} value={record.id}>
                {record.name}
                {record.email ? ` <${record.email}>` : ''}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={load} disabled={!recordId.trim()}>
          {t('props.previewWithRecord')}
        </button>
      </div>
      {error && <p className="error">{error}</p>}
      {preview?.missing && preview.missing.length > 0 && (
        <p className="designer-warn">{t('props.previewMissing', { fields: preview.missing.join(', ') })}</p>
      )}
      {subject !== undefined && (
        <p>
          <strong>{t('props.subject')}:</strong> {subject}
        </p>
      )}
      {html !== undefined && (
        <iframe className="designer-preview-frame" title={t('props.preview')} sandbox="" srcDoc={html} />
      )}
    </details>
  );
}

function defaultAbTest(node: EmailNode): AbTest {
  return {
    variants: [
      { id: 'A', templateId: node.templateId ?? null, split: 50 },
      { id: 'B', templateId: null, split: 50 },
    ],
    winnerMetric: 'replies',
    end: { type: 'auto', minRecipients: 100 },
  };
}

/** Even split that adds up to 100. */
function evenSplits(count: number): number[] {
  const base = Math.floor(100 / count);
  return Array.from({ length: count }, (_, i) => (i === 0 ? 100 - base * (count - 1) : base));
}

function AbTestEditor({ abTest, onChange }: { abTest: AbTest; onChange(abTest: AbTest): void }) {
  const { t } = useTranslation('designer');
  const [language, setLanguage] = useLanguageFilter();
  const total = abTest.variants.reduce((sum, v) => sum + v.split, 0);
  const resize = (count: number) => {
    const splits = evenSplits(count);
    const variants = Array.from({ length: count }, (_, i) => ({
      id: VARIANT_IDS[i]!,
      templateId: abTest.variants[i]?.templateId ?? null,
      split: splits[i]!,
    }));
    onChange({ ...abTest, variants });
  };
  return (
    <fieldset data-testid="ab-test">
      <legend>{t('props.abTest')}</legend>
      <LanguageSelect value={language} onChange={setLanguage} testId="ab-language" />
      {abTest.variants.map((variant, index) => (
        <div key={variant.id} className="designer-variant">
          <TemplatePicker
            label={t('props.variantTemplate', { id: variant.id })}
            value={variant.templateId}
            required
            language={language}
            testId={`ab-variant-${variant.id}`}
            onChange={(templateId) =>
              onChange({
                ...abTest,
                variants: abTest.variants.map((v, i) => (i === index ? { ...v, templateId } : v)),
              })
            }
          />
          <NumberField
            label={t('props.split')}
            value={variant.split}
            min={0}
            max={100}
            onChange={(split) =>
              onChange({
                ...abTest,
                variants: abTest.variants.map((v, i) => (i === index ? { ...v, split } : v)),
              })
            }
          />
        </div>
      ))}
      <p className={total === 100 ? 'designer-muted' : 'error'}>{t('props.splitTotal', { total })}</p>
      <div className="designer-inline">
        <button
          type="button"
          disabled={abTest.variants.length >= 5}
          onClick={() => resize(abTest.variants.length + 1)}
        >
          {t('props.addVariant')}
        </button>
        <button
          type="button"
          disabled={abTest.variants.length <= 2}
          onClick={() => resize(abTest.variants.length - 1)}
        >
          {t('props.removeVariant')}
        </button>
      </div>
      <label>
        {t('props.winnerMetric')}
        <select
          value={abTest.winnerMetric}
          onChange={(e) => onChange({ ...abTest, winnerMetric: e.target.value as AbTest['winnerMetric'] })}
        >
          {(['opens', 'clicks', 'replies'] as const).map((metric) => (
            <option key={metric} value={metric}>
              {t(`props.metrics.${metric}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('props.abEnd')}
        <select
          value={abTest.end.type}
          onChange={(e) =>
            onChange({
              ...abTest,
              end:
                e.target.value === 'date'
                  ? { type: 'date', at: new Date(Date.now() + 14 * 86_400_000).toISOString() }
                  : { type: 'auto', minRecipients: 100 },
            })
          }
        >
          <option value="auto">{t('props.abEndAuto')}</option>
          <option value="date">{t('props.abEndDate')}</option>
        </select>
      </label>
      {abTest.end.type === 'auto' ? (
        <NumberField
          label={t('props.minRecipients')}
          value={abTest.end.minRecipients}
          min={1}
          max={100_000}
          onChange={(minRecipients) => onChange({ ...abTest, end: { type: 'auto', minRecipients } })}
        />
      ) : (
        <label>
          {t('props.abEndAt')}
          <input
            type="date"
            value={abTest.end.at.slice(0, 10)}
            onChange={(e) =>
              e.target.value &&
              onChange({
                ...abTest,
                end: { type: 'date', at: new Date(`${e.target.value}T12:00:00Z`).toISOString() },
              })
            }
          />
        </label>
      )}
    </fieldset>
  );
}

export function EmailProps({ node, onChange }: { node: EmailNode; onChange(node: EmailNode): void }) {
  const { t } = useTranslation('designer');
  return (
    <>
      {!node.abTest && (
        <TemplatePicker
          value={node.templateId ?? null}
          required={node.kind === 'automated_email'}
          testId="template"
          onChange={(templateId) => onChange({ ...node, templateId })}
        />
      )}
      <label className="designer-check">
        <input
          type="checkbox"
          checked={!!node.abTest}
          data-testid="ab-toggle"
          onChange={(e) => {
            if (e.target.checked) onChange({ ...node, abTest: defaultAbTest(node) });
            else {
              const { abTest: _dropped, ...rest } = node;
              onChange({ ...rest, templateId: node.abTest?.variants[0]?.templateId ?? null } as EmailNode);
            }
          }}
        />
        {t('props.useAbTest')}
      </label>
      {node.abTest && (
        <AbTestEditor abTest={node.abTest} onChange={(abTest) => onChange({ ...node, abTest })} />
      )}
      {node.kind === 'automated_email' && (
        <StepSchedulePicker
          value={node.scheduleId ?? null}
          onChange={(scheduleId) => {
            const { scheduleId: _old, ...rest } = node;
            onChange(scheduleId ? { ...rest, scheduleId } : rest);
          }}
        />
      )}
    </>
  );
}

/** An automated email may override the sequence's schedule (null: the sequence's). */
function StepSchedulePicker({
  value,
  onChange,
}: {
  value: string | null;
  onChange(id: string | null): void;
}) {
  const { t } = useTranslation('designer');
  const schedules = useQuery({
    queryKey: ['schedules'],
    queryFn: () => api<{ items: { id: string; name: string }[] }>('GET', '/api/schedules'),
  });
  return (
    <label>
      {t('props.stepSchedule')}
      <select
        value={value ?? ''}
        data-testid="step-schedule"
        onChange={(e) => onChange(e.target.value || null)}
      >
        <option value="">{t('props.stepScheduleSequence')}</option>
        {(schedules.data?.items ?? []).map((schedule) => (
          <option key={schedule.id} value={schedule.id}>
            {schedule.name}
          </option>
        ))}
      </select>
    </label>
  );
}
