import type { TFunction } from 'i18next';
import { createContext, useContext } from 'react';
import type { RecordType, SequenceNode } from '../../../src/domain/sequence/definition.ts';
import type { FieldDefinition } from '../../../src/domain/sequence/fields.ts';
import { type Stage, stageName } from '../../../src/domain/stages.ts';
import type { DesignerProblem, SequenceSummary, TemplateSummary } from './designer-api.ts';
import type { Slot } from './graph-edit.ts';

/** What the canvas's nodes and edges need from the page, without prop drilling through @xyflow/react. */
export interface DesignerContextValue {
  readOnly: boolean;
  recordType: RecordType;
  selectedId: string | null;
  addSlotKey: string | null;
  openAdd(slot: Slot): void;
  select(id: string | null): void;
  requestDelete(id: string): void;
  templates: TemplateSummary[];
  sequences: SequenceSummary[];
  fields: FieldDefinition[];
  /** The organisation's stages: conditions store keys, people read names. */
  stages: Stage[];
}

export const DesignerContext = createContext<DesignerContextValue | null>(null);

export function useDesigner(): DesignerContextValue {
  const value = useContext(DesignerContext);
  if (!value) throw new Error('useDesigner outside the sequence designer');
  return value;
}

/** How a seller recognises a node: its name, else its kind. */
export function nodeTitle(t: TFunction<'designer'>, node: SequenceNode): string {
  const name = node.name?.trim();
  return name ? name : t(`kinds.${node.kind}`);
}

/** A problem in the user's language (the API's message stays English; the code is stable). */
export function problemText(t: TFunction<'designer'>, problem: DesignerProblem): string {
  return t(`problems.${problem.code}`, { defaultValue: problem.message });
}

export function durationText(t: TFunction<'designer'>, days: number, hours: number): string {
  const parts: string[] = [];
  if (days > 0 || hours === 0) parts.push(t('duration.days', { count: days }));
  if (hours > 0) parts.push(t('duration.hours', { count: hours }));
  return parts.join(' ');
}

/**
 * A duration after "within" ("w ciągu"): Polish takes the genitive there — "w ciągu 1 dnia", "2 dni", "5 godzin" —
 * so the count picks the form through the plural rules (Intl.PluralRules), never by gluing words together.
 */
export function withinText(t: TFunction<'designer'>, days: number, hours: number): string {
  const parts: string[] = [];
  if (days > 0 || hours === 0) parts.push(t('walk:within.days', { count: days }));
  if (hours > 0) parts.push(t('walk:within.hours', { count: hours }));
  return parts.join(' ');
}

/** One line under the node's title telling what it does. */
export function nodeSummary(
  t: TFunction<'designer'>,
  node: SequenceNode,
  lookups: Pick<DesignerContextValue, 'templates' | 'sequences' | 'fields' | 'stages'>,
): string {
  const templateName = (id: string | null | undefined) =>
    id ? (lookups.templates.find((tpl) => tpl.id === id)?.name ?? t('summary.templateMissing')) : null;
  switch (node.kind) {
    case 'email':
    case 'automated_email':
      if (node.abTest) return t('summary.abTest', { count: node.abTest.variants.length });
      return templateName(node.templateId) ?? t('summary.noTemplate');
    case 'wait':
      return t('summary.wait', { duration: durationText(t, node.days, node.hours) });
    case 'condition_email':
      return t(node.combine === 'all' ? 'summary.emailAll' : 'summary.emailAny', {
        results: node.results.map((r) => t(`emailResults.${r}`)).join(', '),
        duration: withinText(t, node.timeLimit.days, node.timeLimit.hours),
      });
    case 'condition_call':
      return node.outcomes.map((o) => t(`callOutcomes.${o}`)).join(', ');
    case 'condition_field':
      return t('summary.fieldConditions', {
        count: node.rule.groups.reduce((sum, g) => sum + g.conditions.length, 0),
      });
    case 'condition_stage':
      return node.stages.map((stage) => stageName(lookups.stages, stage)).join(', ');
    case 'update_field': {
      const field = lookups.fields.find((f) => f.name === node.field);
      const option = field?.options?.find((o) => o.value === String(node.value));
      return `${field?.label ?? node.field} = ${option?.label ?? String(node.value)}`;
    }
    case 'advance_sequence':
      return node.sequenceId
        ? (lookups.sequences.find((s) => s.id === node.sequenceId)?.name ?? t('summary.sequenceUnknown'))
        : t('summary.noSequence');
    default:
      return node.description?.split('\n')[0] ?? '';
  }
}
