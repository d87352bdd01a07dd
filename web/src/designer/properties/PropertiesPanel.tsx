import { useTranslation } from 'react-i18next';
import {
  CALL_OUTCOMES,
  OFFERED_EMAIL_RESULTS,
  type SequenceDefinition,
  type SequenceNode,
} from '../../../../src/domain/sequence/definition.ts';
import { assertNever } from '../../../../src/domain/sequence/graph.ts';
import { stageKey, stageName } from '../../../../src/domain/stages.ts';
import { FieldRuleBuilder } from '../../components/FieldRuleBuilder.tsx';
import type { DesignerProblem } from '../designer-api.ts';
import { nodeTitle, problemText, useDesigner } from '../designer-context.tsx';
import { EmailProps } from './EmailProps.tsx';
import { CheckboxList, DurationFields, Hint } from './shared.tsx';

/** Edits the selected node; every change is one undoable step. */
export function PropertiesPanel({
  node,
  definition,
  problems,
  onChange,
  onDelete,
  onClose,
}: {
  node: SequenceNode;
  definition: SequenceDefinition;
  problems: DesignerProblem[];
  onChange(node: SequenceNode): void;
  onDelete(): void;
  onClose(): void;
}) {
  const { t } = useTranslation('designer');
  const { readOnly } = useDesigner();
  return (
    <section
      className="designer-panel"
      aria-labelledby="designer-props-title"
      data-testid="properties-panel"
      onKeyDown={(event) => {
        if (event.key === 'Escape') onClose();
      }}
    >
      <header className="designer-panel-head">
        <h2 id="designer-props-title">{nodeTitle(t, node)}</h2>
        <button type="button" onClick={onClose} aria-label={t('close')}>
          ×
        </button>
      </header>
      {node.name?.trim() && <p className="designer-muted">{t(`kinds.${node.kind}`)}</p>}
      {problems.length > 0 && (
        <ul className="designer-problem-list" aria-label={t('problemsTitle')}>
          {problems.map((p) => (
            <li key={p.code} className="error">
              {problemText(t, p)}
            </li>
          ))}
        </ul>
      )}
      <fieldset className="designer-props" disabled={readOnly}>
        <label>
          {t('props.name')}
          <input
            value={node.name ?? ''}
            maxLength={200}
            placeholder={t(`kinds.${node.kind}`)}
            data-testid="prop-name"
            onChange={(e) => onChange({ ...node, name: e.target.value || undefined })}
          />
        </label>
        {hasDescription(node) ? (
          <label>
            {t('props.description')}
            <textarea
              rows={3}
              maxLength={4000}
              value={('description' in node ? node.description : '') ?? ''}
              onChange={(e) =>
                onChange({ ...node, description: e.target.value || undefined } as SequenceNode)
              }
            />
          </label>
        ) : null}
        <KindProps node={node} definition={definition} onChange={onChange} />
      </fieldset>
      {!readOnly && (
        <div className="designer-panel-foot">
          <button type="button" className="danger" onClick={onDelete} data-testid="delete-node">
            {t('deleteThis')}
          </button>
        </div>
      )}
    </section>
  );
}

function hasDescription(node: SequenceNode): boolean {
  switch (node.kind) {
    case 'email':
    case 'automated_email':
    case 'phone_call':
    case 'task':
    case 'text_message':
    case 'linkedin_research':
    case 'linkedin_introduction':
    case 'linkedin_connect':
    case 'linkedin_inmail':
      return true;
    default:
      return false;
  }
}

function KindProps({
  node,
  definition,
  onChange,
}: {
  node: SequenceNode;
  definition: SequenceDefinition;
  onChange(node: SequenceNode): void;
}) {
  const { t } = useTranslation('designer');
  const designer = useDesigner();
  const fields = designer.fields;
  switch (node.kind) {
    case 'email':
    case 'automated_email':
      return <EmailProps node={node} onChange={onChange} />;
    case 'wait':
      return (
        <>
          <DurationFields
            legend={t('props.waitFor')}
            value={{ days: node.days, hours: node.hours }}
            maxDays={30}
            testId="wait"
            onChange={({ days, hours }) => onChange({ ...node, days, hours })}
          />
          <Hint>{t('props.waitHint')}</Hint>
        </>
      );
    case 'condition_email': {
      const emails = definition.nodes.filter((n) => n.kind === 'email' || n.kind === 'automated_email');
      return (
        <>
          <InspectsPicker node={node} candidates={emails} onChange={onChange} />
          <CheckboxList
            legend={t('props.emailResults')}
            options={[
              ...OFFERED_EMAIL_RESULTS,
              ...node.results.filter((r) => !OFFERED_EMAIL_RESULTS.includes(r as never)),
            ]}
            selected={node.results}
            label={(r) => t(`emailResults.${r}`)}
            onChange={(results) => results.length > 0 && onChange({ ...node, results })}
          />
          <fieldset>
            <legend>{t('props.combine')}</legend>
            {(['all', 'any'] as const).map((combine) => (
              <label key={combine} className="designer-check">
                <input
                  type="radio"
                  name={`combine-${node.id}`}
                  checked={node.combine === combine}
                  onChange={() => onChange({ ...node, combine })}
                />
                {t(`props.combine_${combine}`)}
              </label>
            ))}
          </fieldset>
          <DurationFields
            legend={t('props.timeLimit')}
            value={node.timeLimit}
            maxDays={30}
            testId="time-limit"
            onChange={(timeLimit) => onChange({ ...node, timeLimit })}
          />
          <label className="designer-check">
            <input
              type="checkbox"
              checked={node.moveWhenSeen}
              onChange={(e) => onChange({ ...node, moveWhenSeen: e.target.checked })}
            />
            {t('props.moveWhenSeen')}
          </label>
          <Hint>{t('props.emailConditionHint')}</Hint>
        </>
      );
    }
    case 'condition_call': {
      const calls = definition.nodes.filter((n) => n.kind === 'phone_call');
      return (
        <>
          <InspectsPicker node={node} candidates={calls} onChange={onChange} />
          <CheckboxList
            legend={t('props.callOutcomes')}
            options={CALL_OUTCOMES}
            selected={node.outcomes}
            label={(o) => t(`callOutcomes.${o}`)}
            onChange={(outcomes) => outcomes.length > 0 && onChange({ ...node, outcomes })}
          />
          <Hint>{t('props.callConditionHint')}</Hint>
        </>
      );
    }
    case 'condition_field':
      return (
        <>
          <FieldRuleBuilder
            rule={node.rule}
            fields={fields}
            onChange={(rule) => onChange({ ...node, rule })}
          />
          <Hint>{t('props.fieldConditionHint')}</Hint>
        </>
      );
    case 'condition_stage':
      return <StagePicker stages={node.stages} onChange={(stages) => onChange({ ...node, stages })} />;
    case 'update_field': {
      const settable = fields.filter((f) => f.type === 'option_set' || f.type === 'two_options');
      const field = settable.find((f) => f.name === node.field);
      return (
        <>
          <label>
            {t('props.field')}
            <select
              value={node.field}
              data-testid="update-field"
              onChange={(e) => {
                const next = settable.find((f) => f.name === e.target.value);
                onChange({ ...node, field: e.target.value, value: next?.options?.[0]?.value ?? '' });
              }}
            >
              {!field && <option value={node.field}>{node.field}</option>}
              {settable.map((f) => (
                <option key={f.name} value={f.name}>
                  {t(`fields.${f.name}`, { defaultValue: f.label })}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('props.value')}
            <select value={String(node.value)} onChange={(e) => onChange({ ...node, value: e.target.value })}>
              {(field?.options ?? []).map((o) => (
                <option key={o.value} value={o.value}>
                  {t(`optionLabels.${o.label}`, { defaultValue: o.label })}
                </option>
              ))}
            </select>
          </label>
          <Hint>{t('props.updateFieldHint')}</Hint>
        </>
      );
    }
    case 'advance_sequence':
      return (
        <>
          <label>
            {t('props.targetSequence')}
            <select
              value={node.sequenceId ?? ''}
              data-testid="advance-target"
              onChange={(e) => onChange({ ...node, sequenceId: e.target.value || null })}
            >
              <option value="">{t('props.chooseSequence')}</option>
              {designer.sequences.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          </label>
          <Hint>{t('props.advanceHint')}</Hint>
        </>
      );
    case 'phone_call':
    case 'task':
    case 'text_message':
    case 'linkedin_research':
    case 'linkedin_introduction':
    case 'linkedin_connect':
    case 'linkedin_inmail':
      return <Hint>{t(`props.hints.${node.kind}`)}</Hint>;
    default:
      return assertNever(node);
  }
}

function InspectsPicker<N extends SequenceNode & { inspects: string }>({
  node,
  candidates,
  onChange,
}: {
  node: N;
  candidates: SequenceNode[];
  onChange(node: N): void;
}) {
  const { t } = useTranslation('designer');
  return (
    <label>
      {t('props.inspects')}
      <select value={node.inspects} onChange={(e) => onChange({ ...node, inspects: e.target.value })}>
        {!candidates.some((c) => c.id === node.inspects) && <option value={node.inspects}>—</option>}
        {candidates.map((c) => (
          <option key={c.id} value={c.id}>
            {nodeTitle(t, c)}
          </option>
        ))}
      </select>
    </label>
  );
}

function StagePicker({ stages, onChange }: { stages: string[]; onChange(stages: string[]): void }) {
  const { t } = useTranslation('designer');
  const designer = useDesigner();
  // The organisation's list (Settings → Stages), plus any key the condition holds that left the list.
  const selected = stages.map(stageKey);
  const known = designer.stages.map((stage) => stage.key);
  const options = [...known, ...selected.filter((key) => !known.includes(key))];
  return (
    <CheckboxList
      legend={t('props.stages')}
      options={options}
      selected={selected}
      label={(key) => stageName(designer.stages, key)}
      onChange={(next) => next.length > 0 && onChange(next)}
    />
  );
}
