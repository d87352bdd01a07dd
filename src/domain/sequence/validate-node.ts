import { stageKey } from '../stages.ts';
import type { NodeKind } from './definition.ts';
import { type SequenceDefinition, type SequenceNode, UNSUPPORTED_EMAIL_RESULTS } from './definition.ts';
import { describeNode } from './describe-node.ts';
import { fieldsFor, operatorFits, updateValueFits, valueFits } from './fields.ts';
import { assertNever, isEmailKind } from './graph.ts';
import { reachableAvoiding } from './graph-walks.ts';
import type { AddProblem } from './validate-structure.ts';
import { MAX_WAIT_HOURS, type ValidationContext } from './validation-types.ts';

/** Kinds a condition may inspect. */
function inspectableBy(kind: 'condition_email' | 'condition_call'): (k: NodeKind) => boolean {
  return kind === 'condition_email' ? isEmailKind : (k) => k === 'phone_call';
}

/**
 * The checks of each node on its own kind's terms (templates exist, waits end, conditions follow what they
 * inspect, fields and stages exist, advance targets can be entered). Returns the function that checks one node.
 */
export function nodeChecker(
  definition: SequenceDefinition,
  context: ValidationContext,
  graph: { byId: Map<string, SequenceNode>; reachable: Set<string> },
  add: AddProblem,
): (node: SequenceNode) => void {
  const { byId, reachable } = graph;
  const templateIds = new Set(context.templates.map((t) => t.id));
  const sequences = new Map(context.sequences.map((s) => [s.id, s]));
  const fields = fieldsFor(context.recordType, context.fields);
  const stages = context.stages ? new Set(context.stages.map(stageKey)) : undefined;
  return checkNode;

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
