import { stageKey } from '../stages.ts';
import {
  type NodeKind,
  type RecordType,
  type SequenceDefinition,
  type SequenceNode,
  UNSUPPORTED_EMAIL_RESULTS,
} from './definition.ts';
import { type FieldDefinition, fieldsFor, operatorFits, updateValueFits, valueFits } from './fields.ts';
import { assertNever, edgesOf, isEmailKind, nodeIndex, reachableIds } from './graph.ts';

/**
 * Everything that must be fixed before a sequence can be activated, found in one pass: the designer shows all
 * problems at once, each pinned to its node. Pure: the caller passes what lives in the database (templates,
 * other sequences, field definitions) in `context`.
 */
export const VALIDATION_CODES = [
  'empty_sequence',
  'duplicate_node_id',
  'dangling_branch',
  'unreachable_node',
  'cycle',
  'wait_last',
  'wait_too_long',
  'condition_wrong_predecessor',
  'inspected_step_missing',
  'template_missing',
  'automated_email_without_template',
  'ab_split_not_100',
  'ab_variant_template_missing',
  'advance_target_missing',
  'advance_target_self',
  'advance_target_inactive',
  'advance_target_wrong_record_type',
  'advance_not_last',
  'advance_first',
  'field_unknown',
  'field_operator_mismatch',
  'field_value_mismatch',
  'field_not_settable',
  'stage_unknown',
  'email_result_unsupported',
] as const;
export type ValidationCode = (typeof VALIDATION_CODES)[number];

export interface ValidationProblem {
  code: ValidationCode;
  /** The node to highlight; null for problems of the whole sequence. */
  nodeId: string | null;
  message: string;
}

export interface ValidationContext {
  recordType: RecordType;
  /** The sequence being validated (advance-to-itself is refused); omit for a sequence not yet saved. */
  sequenceId?: string;
  /** Email templates that exist in the organisation. */
  templates: { id: string }[];
  /** Other sequences of the organisation, for "advance to another sequence". */
  sequences: { id: string; status: 'inactive' | 'active' | 'revision'; recordType: RecordType }[];
  /** The organisation's custom fields; core record fields are always known. */
  fields: (FieldDefinition & { recordType?: RecordType })[];
  /** Business-process stages, when the organisation keeps a list; undefined accepts any stage. */
  stages?: string[];
}

export const MAX_WAIT_HOURS = 30 * 24;

const KIND_LABELS: Record<NodeKind, string> = {
  email: 'email',
  automated_email: 'automated email',
  phone_call: 'phone call',
  task: 'task',
  text_message: 'text message',
  wait: 'wait',
  condition_email: 'email condition',
  condition_call: 'call condition',
  condition_field: 'field condition',
  condition_stage: 'stage condition',
  update_field: 'update field',
  advance_sequence: 'advance to another sequence',
  linkedin_research: 'LinkedIn research',
  linkedin_introduction: 'LinkedIn introduction',
  linkedin_connect: 'LinkedIn connect',
  linkedin_inmail: 'LinkedIn InMail',
};

/** How a seller recognises a node in a message: its name, else its kind. */
export function describeNode(node: SequenceNode): string {
  const name = node.name?.trim();
  return name ? `"${name}"` : `The ${KIND_LABELS[node.kind]} step`;
}

export function kindLabel(kind: NodeKind): string {
  return KIND_LABELS[kind];
}

/** Kinds a condition may inspect. */
function inspectableBy(kind: 'condition_email' | 'condition_call'): (k: NodeKind) => boolean {
  return kind === 'condition_email' ? isEmailKind : (k) => k === 'phone_call';
}

/** Ids reachable from the start when `blocked` is removed from the graph. */
function reachableAvoiding(definition: SequenceDefinition, blocked: string): Set<string> {
  const byId = nodeIndex(definition);
  const seen = new Set<string>();
  const stack = definition.start && definition.start !== blocked ? [definition.start] : [];
  while (stack.length > 0) {
    const id = stack.pop()!;
    const node = byId.get(id);
    if (!node || seen.has(id)) continue;
    seen.add(id);
    for (const edge of edgesOf(node)) if (edge.target && edge.target !== blocked) stack.push(edge.target);
  }
  return seen;
}

/** Targets of back edges: each is a node where a loop closes. */
function cycleNodes(definition: SequenceDefinition): string[] {
  const byId = nodeIndex(definition);
  const state = new Map<string, 'open' | 'done'>();
  const found = new Set<string>();
  const roots = [...(definition.start ? [definition.start] : []), ...definition.nodes.map((n) => n.id)];
  for (const root of roots) {
    if (state.has(root) || !byId.has(root)) continue;
    // Iterative DFS keeps deep graphs off the call stack.
    const stack: { id: string; edges: (string | null)[]; index: number }[] = [];
    const enter = (id: string) => {
      state.set(id, 'open');
      stack.push({ id, edges: edgesOf(byId.get(id)!).map((e) => e.target), index: 0 });
    };
    enter(root);
    while (stack.length > 0) {
      const frame = stack.at(-1)!;
      if (frame.index >= frame.edges.length) {
        state.set(frame.id, 'done');
        stack.pop();
        continue;
      }
      const target = frame.edges[frame.index++];
      if (!target || !byId.has(target)) continue;
      const seen = state.get(target);
      if (seen === 'open') found.add(target);
      else if (seen === undefined) enter(target);
    }
  }
  return [...found];
}

export function validateDefinition(
  definition: SequenceDefinition,
  context: ValidationContext,
): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const add = (code: ValidationCode, nodeId: string | null, message: string) =>
    problems.push({ code, nodeId, message });

  if (definition.start === null || definition.nodes.length === 0) {
    add(
      'empty_sequence',
      null,
      'The sequence has no steps yet. Add at least one step after "Sequence starts here".',
    );
  }

  const byId = new Map<string, SequenceNode>();
  for (const node of definition.nodes) {
    if (byId.has(node.id)) {
      add('duplicate_node_id', node.id, `Two steps share the id "${node.id}". Give each step its own id.`);
    } else byId.set(node.id, node);
  }

  if (definition.start !== null && !byId.has(definition.start)) {
    add(
      'dangling_branch',
      null,
      '"Sequence starts here" points to a step that no longer exists. Connect it to a step.',
    );
  }
  for (const node of definition.nodes) {
    for (const edge of edgesOf(node)) {
      if (edge.target !== null && !byId.has(edge.target)) {
        const branch =
          edge.label === 'next' ? 'The path after' : `The ${edge.label === 'yes' ? 'Yes' : 'No'} branch of`;
        add(
          'dangling_branch',
          node.id,
          `${branch} ${describeNode(node).replace(/^The /, 'the ')} leads to a step that no longer exists. Connect it to a step or end it.`,
        );
      }
    }
  }

  const reachable = new Set(reachableIds(definition));
  for (const node of definition.nodes) {
    if (!reachable.has(node.id) && byId.get(node.id) === node) {
      add(
        'unreachable_node',
        node.id,
        `${describeNode(node)} cannot be reached from "Sequence starts here". Connect it or delete it.`,
      );
    }
  }

  for (const id of cycleNodes(definition)) {
    add(
      'cycle',
      id,
      `${describeNode(byId.get(id)!)} is part of a loop. A sequence must always move forward; remove the connection that leads back.`,
    );
  }

  if (definition.start !== null) {
    const first = byId.get(definition.start);
    if (first?.kind === 'advance_sequence') {
      add(
        'advance_first',
        first.id,
        '"Advance to another sequence" cannot be the first step. Add a step before it.',
      );
    }
  }

  const templateIds = new Set(context.templates.map((t) => t.id));
  const sequences = new Map(context.sequences.map((s) => [s.id, s]));
  const fields = fieldsFor(context.recordType, context.fields);
  const stages = context.stages ? new Set(context.stages.map(stageKey)) : undefined;

  for (const node of definition.nodes) {
    if (byId.get(node.id) !== node) continue;
    checkNode(node);
  }
  return problems;

  function checkNode(node: SequenceNode): void {
    const label = describeNode(node);
    switch (node.kind) {
      case 'email':
      case 'automated_email': {
        if (node.templateId && !templateIds.has(node.templateId)) {
          add(
            'template_missing',
            node.id,
            `${label} uses an email template that no longer exists. Choose a template.`,
          );
        }
        if (node.kind === 'automated_email' && !node.templateId && !node.abTest) {
          add(
            'automated_email_without_template',
            node.id,
            `${label} is sent automatically, so it needs an email template. Choose one.`,
          );
        }
        if (node.abTest) {
          const total = node.abTest.variants.reduce((sum, v) => sum + v.split, 0);
          if (total !== 100) {
            add(
              'ab_split_not_100',
              node.id,
              `The A/B test of ${label.replace(/^The /, 'the ')} splits ${total}% of records; the variants must add up to 100%.`,
            );
          }
          for (const variant of node.abTest.variants) {
            if (!variant.templateId || !templateIds.has(variant.templateId)) {
              add(
                'ab_variant_template_missing',
                node.id,
                `Variant ${variant.id} of the A/B test on ${label.replace(/^The /, 'the ')} has no email template. Choose one for every variant.`,
              );
            }
          }
        }
        return;
      }
      case 'wait': {
        if (node.next === null) {
          add(
            'wait_last',
            node.id,
            `${label} is the last step. A wait cannot end a sequence: add a step after it or delete it.`,
          );
        }
        if (node.days * 24 + node.hours > MAX_WAIT_HOURS) {
          add('wait_too_long', node.id, `${label} is longer than 30 days. Shorten it to 30 days or less.`);
        }
        return;
      }
      case 'condition_email':
      case 'condition_call': {
        if (node.kind === 'condition_email') {
          for (const result of node.results.filter((r) => UNSUPPORTED_EMAIL_RESULTS.includes(r))) {
            add(
              'email_result_unsupported',
              node.id,
              `${label} waits for "${result.replaceAll('_', ' ')}", which is no longer supported: nothing produces it. Remove it from the condition.`,
            );
          }
        }
        const inspected = byId.get(node.inspects);
        const what = node.kind === 'condition_email' ? 'an email step' : 'a phone call step';
        if (!inspected) {
          add(
            'inspected_step_missing',
            node.id,
            `${label} checks a step that no longer exists. Put it after ${what} and choose that step.`,
          );
          return;
        }
        if (!inspectableBy(node.kind)(inspected.kind)) {
          add(
            'condition_wrong_predecessor',
            node.id,
            `${label} must follow ${what}, but it checks ${describeNode(inspected).replace(/^The /, 'the ')}.`,
          );
          return;
        }
        if (reachable.has(node.id) && reachableAvoiding(definition, inspected.id).has(node.id)) {
          add(
            'condition_wrong_predecessor',
            node.id,
            `${label} can be reached without passing ${describeNode(inspected).replace(/^The /, 'the ')}, the step it checks. Place the condition after that step.`,
          );
        }
        return;
      }
      case 'condition_field': {
        for (const group of node.rule.groups) {
          for (const condition of group.conditions) {
            const field = fields.get(condition.field);
            if (!field) {
              add(
                'field_unknown',
                node.id,
                `${label} checks the field "${condition.field}", which ${context.recordType} records do not have.`,
              );
            } else if (!operatorFits(field.type, condition.operator)) {
              add(
                'field_operator_mismatch',
                node.id,
                `${label}: "${field.label}" is a ${field.type.replace('_', ' ')} field; the comparison "${condition.operator}" does not apply to it.`,
              );
            } else if (!valueFits(field, condition.operator, condition.value)) {
              add(
                'field_value_mismatch',
                node.id,
                `${label}: the value compared with "${field.label}" does not fit a ${field.type.replace('_', ' ')} field${field.options?.length ? ` (choose one of: ${field.options.map((o) => o.label).join(', ')})` : ''}.`,
              );
            }
          }
        }
        return;
      }
      case 'condition_stage': {
        if (stages) {
          for (const stage of node.stages) {
            if (!stages.has(stageKey(stage))) {
              add(
                'stage_unknown',
                node.id,
                `${label} checks the stage "${stage}", which the business process does not have.`,
              );
            }
          }
        }
        return;
      }
      case 'update_field': {
        const field = fields.get(node.field);
        if (!field) {
          add(
            'field_unknown',
            node.id,
            `${label} sets the field "${node.field}", which ${context.recordType} records do not have.`,
          );
        } else if (field.type !== 'option_set' && field.type !== 'two_options') {
          add(
            'field_not_settable',
            node.id,
            `${label} can set only option-set and two-options fields; "${field.label}" is a ${field.type} field.`,
          );
        } else if (!updateValueFits(field, node.value)) {
          add(
            'field_value_mismatch',
            node.id,
            `${label} sets "${field.label}" to a value it does not offer.`,
          );
        }
        return;
      }
      case 'advance_sequence': {
        if (node.next !== null) {
          add(
            'advance_not_last',
            node.id,
            `Nothing can follow ${label.replace(/^The /, 'the ')}. Remove the steps after it.`,
          );
        }
        if (!node.sequenceId) {
          add(
            'advance_target_missing',
            node.id,
            `${label} does not name a sequence. Choose an active sequence.`,
          );
          return;
        }
        if (context.sequenceId && node.sequenceId === context.sequenceId) {
          add('advance_target_self', node.id, `${label} points to this same sequence. Choose another one.`);
          return;
        }
        const target = sequences.get(node.sequenceId);
        if (!target) {
          add(
            'advance_target_missing',
            node.id,
            `${label} points to a sequence that does not exist or is not visible to you or the sequence's owner. Choose an active sequence.`,
          );
        } else if (target.status === 'inactive') {
          add(
            'advance_target_inactive',
            node.id,
            `${label} points to an inactive sequence. Activate it or choose an active one.`,
          );
        } else if (target.recordType !== context.recordType) {
          add(
            'advance_target_wrong_record_type',
            node.id,
            `${label} points to a sequence for ${target.recordType} records; this sequence is for ${context.recordType} records.`,
          );
        }
        return;
      }
      case 'phone_call':
      case 'task':
      case 'text_message':
      case 'linkedin_research':
      case 'linkedin_introduction':
      case 'linkedin_connect':
      case 'linkedin_inmail':
        return;
      default:
        assertNever(node);
    }
  }
}

/**
 * A step can be deleted only when no condition reads its results (SPEC §2): delete the conditions first.
 */
export function canDeleteNode(
  definition: SequenceDefinition,
  nodeId: string,
): { allowed: boolean; blockingConditionIds: string[] } {
  const blocking = definition.nodes
    .filter(
      (node) =>
        (node.kind === 'condition_email' || node.kind === 'condition_call') && node.inspects === nodeId,
    )
    .map((node) => node.id);
  return { allowed: blocking.length === 0, blockingConditionIds: blocking };
}
