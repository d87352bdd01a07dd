import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { FieldRule, RecordType } from '../../../../src/domain/sequence/definition.ts';
import { RECORD_TYPES } from '../../api/types.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { FieldRuleBuilder } from '../../components/FieldRuleBuilder.tsx';
import { useRuleFields } from '../../components/rule-fields.ts';
import { useToast } from '../../components/Toast.tsx';
import {
  previewSegment,
  type Segment,
  type SegmentInput,
  saveSegment,
  segmentsKey,
  useTargetSequences,
} from './segments-api.ts';

const NEW_RULE: FieldRule = {
  combine: 'and',
  groups: [{ combine: 'and', conditions: [{ field: 'company', operator: 'contains', value: '' }] }],
};

/** Waits until the value has stopped changing for `ms` (the preview follows typing without a request per key). */
function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/** Which open records the rule matches now: a count and the first names, from the API. */
function SegmentPreviewPanel({ recordType, rule }: { recordType: RecordType; rule: FieldRule }) {
  const { t } = useTranslation('segments');
  const input = useSettled({ recordType, rule }, 300);
  const preview = useQuery({
    queryKey: ['segments', 'preview', input],
    queryFn: () => previewSegment(input),
    placeholderData: keepPreviousData,
  });
  const data = preview.data;
  return (
    <section
      className="card segment-preview"
      aria-labelledby="segment-preview-title"
      aria-busy={preview.isFetching}
    >
      <h3 id="segment-preview-title">{t('preview.title')}</h3>
      <p className="muted">{t('preview.help')}</p>
      {preview.isError && <ErrorMessage error={preview.error} />}
      {data && (
        <>
          <p data-testid="segment-preview-count" data-count={data.count} aria-live="polite">
            <strong>{t('preview.count', { count: data.count })}</strong>
          </p>
          {data.items.length > 0 && (
            <ul className="segment-preview-names" data-testid="segment-preview-names">
              {data.items.map((record) => (
                <li key={record.id}>
                  <Link to={`/record/${record.id}`}>{record.name}</Link>
                </li>
              ))}
            </ul>
          )}
          {data.count > data.items.length && (
            <p className="muted">{t('preview.more', { count: data.count - data.items.length })}</p>
          )}
        </>
      )}
    </section>
  );
}

/** Create or edit one segment: name, record type, target sequence, priority, on/off and the field rule. */
export function SegmentEditor({ segment, onDone }: { segment: Segment | null; onDone(): void }) {
  const { t } = useTranslation('segments');
  const client = useQueryClient();
  const toast = useToast();
  const [name, setName] = useState(segment?.name ?? '');
  const [recordType, setRecordType] = useState<RecordType>((segment?.recordType as RecordType) ?? 'lead');
  const [sequenceId, setSequenceId] = useState(segment?.sequenceId ?? '');
  const [priority, setPriority] = useState(segment?.priority ?? 0);
  const [enabled, setEnabled] = useState(segment?.enabled ?? true);
  const [rule, setRule] = useState<FieldRule>(segment?.rule ?? NEW_RULE);
  const fields = useRuleFields(recordType);
  const targets = useTargetSequences(recordType);
  const options = targets.data ?? [];
  // A new segment (or one whose record type changed) starts with the first sequence it may connect to.
  useEffect(() => {
    if (targets.data && sequenceId === '') setSequenceId(targets.data[0]?.id ?? '');
  }, [targets.data, sequenceId]);
  const keepsOwn =
    segment !== null && sequenceId === segment.sequenceId && !options.some((s) => s.id === sequenceId);
  const save = useMutation({
    mutationFn: (input: SegmentInput) => saveSegment(segment?.id ?? null, input),
    onSuccess: async (saved) => {
      await client.invalidateQueries({ queryKey: segmentsKey });
      toast.show(t(segment ? 'toast.saved' : 'toast.created', { name: saved.name }));
      onDone();
    },
  });
  const title = segment ? t('editor.editTitle', { name: segment.name }) : t('editor.newTitle');
  return (
    <form
      className="card form-grid segment-editor"
      aria-label={title}
      data-testid="segment-editor"
      onSubmit={(event) => {
        event.preventDefault();
        save.mutate({ name, recordType, rule, priority, sequenceId, enabled });
      }}
    >
      <h2>{title}</h2>
      <div className="form-grid two">
        <label>
          {t('fields.name')}
          <input required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          {t('fields.recordType')}
          <select
            value={recordType}
            onChange={(e) => {
              setRecordType(e.target.value as RecordType);
              setSequenceId('');
            }}
          >
            {RECORD_TYPES.map((type) => (
              <option key={type} value={type}>
                {t(`common:recordType.${type}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('fields.sequence')}
          <select value={sequenceId} required onChange={(e) => setSequenceId(e.target.value)}>
            {keepsOwn && <option value={sequenceId}>{t('editor.currentSequence')}</option>}
            {options.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('fields.priority')}
          <input
            type="number"
            min={0}
            max={1_000_000}
            step={1}
            value={priority}
            onChange={(e) => setPriority(Math.max(0, Math.trunc(Number(e.target.value) || 0)))}
          />
        </label>
        <label className="checkbox">
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
          {t('fields.enabled')}
        </label>
      </div>
      {targets.isSuccess && options.length === 0 && (
        <p className="muted" role="status">
          {t('editor.noSequences')}
        </p>
      )}
      <p className="muted">{t('editor.priorityHelp')}</p>
      <div className="segment-rule-layout">
        <fieldset className="segment-rule">
          <legend>{t('editor.rule')}</legend>
          {fields.data && <FieldRuleBuilder rule={rule} fields={fields.data} onChange={setRule} />}
        </fieldset>
        <SegmentPreviewPanel recordType={recordType} rule={rule} />
      </div>
      <ErrorMessage error={save.error} />
      <div className="actions">
        <button type="button" onClick={onDone}>
          {t('common:actions.cancel')}
        </button>
        <button
          type="submit"
          className="primary"
          disabled={save.isPending || !sequenceId}
          data-testid="save-segment"
        >
          {t('common:actions.save')}
        </button>
      </div>
    </form>
  );
}
