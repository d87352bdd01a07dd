import { describe, expect, it } from 'vitest';
import {
  type SequenceDefinition,
  SequenceDefinitionSchema,
  type SequenceNode,
} from '../../src/domain/sequence/definition.ts';
import {
  canDeleteNode,
  VALIDATION_CODES,
  type ValidationCode,
  type ValidationContext,
  validateDefinition,
} from '../../src/domain/sequence/validate.ts';

const context: ValidationContext = {
  recordType: 'lead',
  sequenceId: 'self',
  templates: [{ id: 'tpl-a' }, { id: 'tpl-b' }],
  sequences: [
    { id: 'seq-active', status: 'active', recordType: 'lead' },
    { id: 'seq-revision', status: 'revision', recordType: 'lead' },
    { id: 'seq-inactive', status: 'inactive', recordType: 'lead' },
    { id: 'seq-contact', status: 'active', recordType: 'contact' },
  ],
  fields: [
    { name: 'budget', label: 'Budget', type: 'number' },
    { name: 'renewal', label: 'Renewal date', type: 'date' },
    { name: 'vip', label: 'VIP', type: 'boolean' },
    {
      name: 'leadStage',
      label: 'Lead stage',
      type: 'option_set',
      options: [
        { value: 'new', label: 'New' },
        { value: 'contacted', label: 'Contacted' },
      ],
    },
    {
      name: 'newsletter',
      label: 'Newsletter',
      type: 'two_options',
      options: [
        { value: 'true', label: 'Subscribed' },
        { value: 'false', label: 'Not subscribed' },
      ],
    },
    { name: 'contactOnly', label: 'Contact only', type: 'text', recordType: 'contact' },
  ],
  stages: ['Qualify', 'Develop', 'Propose', 'Close'],
};

function def(start: string | null, nodes: SequenceNode[]): SequenceDefinition {
  return SequenceDefinitionSchema.parse({ start, nodes });
}

const email = (id: string, next: string | null, templateId: string | null = 'tpl-a'): SequenceNode => ({
  id,
  kind: 'automated_email',
  templateId,
  next,
});
const call = (id: string, next: string | null): SequenceNode => ({
  id,
  kind: 'phone_call',
  name: `Call ${id}`,
  next,
});
const task = (id: string, next: string | null = null): SequenceNode => ({ id, kind: 'task', next });
const emailCondition = (
  id: string,
  inspects: string,
  yes: string | null,
  no: string | null,
): SequenceNode => ({
  id,
  kind: 'condition_email',
  inspects,
  results: ['opened'],
  combine: 'any',
  timeLimit: { days: 2, hours: 0 },
  moveWhenSeen: true,
  yes,
  no,
});
const fieldCondition = (id: string, field: string, operator: string, value: unknown): SequenceNode =>
  SequenceDefinitionSchema.shape.nodes.element.parse({
    id,
    kind: 'condition_field',
    rule: { combine: 'and', groups: [{ combine: 'and', conditions: [{ field, operator, value }] }] },
    yes: null,
    no: null,
  });

const codes = (d: SequenceDefinition, ctx: ValidationContext = context) =>
  validateDefinition(d, ctx).map((p) => p.code);
const problemsAt = (d: SequenceDefinition, code: ValidationCode) =>
  validateDefinition(d, context).filter((p) => p.code === code);

describe('validateDefinition', () => {
  const tested = new Set<ValidationCode>();
  const expectCode = (d: SequenceDefinition, code: ValidationCode, nodeId: string | null) => {
    tested.add(code);
    const found = problemsAt(d, code);
    expect(found.map((p) => p.nodeId)).toContain(nodeId);
    for (const problem of found) expect(problem.message.length).toBeGreaterThan(10);
  };

  it('accepts a valid branching sequence', () => {
    const valid = def('n1', [
      email('n1', 'n2'),
      emailCondition('n2', 'n1', 'n3', 'n4'),
      call('n3', 'n5'),
      { id: 'n4', kind: 'wait', days: 30, hours: 0, next: 'n5' },
      task('n5'),
    ]);
    expect(validateDefinition(valid, context)).toEqual([]);
  });

  it('empty_sequence', () => {
    expectCode(def(null, []), 'empty_sequence', null);
  });

  it('duplicate_node_id', () => {
    expectCode(def('a', [task('a'), task('a')]), 'duplicate_node_id', 'a');
  });

  it('dangling_branch on next, yes/no and start', () => {
    expectCode(def('n1', [task('n1', 'gone')]), 'dangling_branch', 'n1');
    expectCode(
      def('n1', [email('n1', 'n2'), emailCondition('n2', 'n1', 'gone', null)]),
      'dangling_branch',
      'n2',
    );
    expectCode(def('gone', [task('n1')]), 'dangling_branch', null);
  });

  it('unreachable_node', () => {
    expectCode(def('n1', [task('n1'), task('orphan')]), 'unreachable_node', 'orphan');
  });

  it('cycle', () => {
    const looped = def('n1', [task('n1', 'n2'), task('n2', 'n1')]);
    expectCode(looped, 'cycle', 'n1');
    // A loop among unreachable nodes is reported too.
    expectCode(def('n1', [task('n1'), task('x', 'y'), task('y', 'x')]), 'cycle', 'x');
  });

  it('wait_last and wait_too_long (days and hours together)', () => {
    expectCode(
      def('n1', [task('n1', 'w'), { id: 'w', kind: 'wait', days: 1, hours: 0, next: null }]),
      'wait_last',
      'w',
    );
    expectCode(
      def('w', [{ id: 'w', kind: 'wait', days: 30, hours: 1, next: 'n1' }, task('n1')]),
      'wait_too_long',
      'w',
    );
    expect(codes(def('w', [{ id: 'w', kind: 'wait', days: 29, hours: 23, next: 'n1' }, task('n1')]))).toEqual(
      [],
    );
  });

  it('condition_wrong_predecessor: wrong kind inspected, or reachable around the inspected step', () => {
    expectCode(
      def('n1', [task('n1', 'c'), emailCondition('c', 'n1', null, null)]),
      'condition_wrong_predecessor',
      'c',
    );
    const callCondition: SequenceNode = {
      id: 'c',
      kind: 'condition_call',
      inspects: 'n1',
      outcomes: ['connected'],
      yes: null,
      no: null,
    };
    expectCode(def('n1', [email('n1', 'c'), callCondition]), 'condition_wrong_predecessor', 'c');
    // n0 branches: one path goes through the email, the other reaches the condition directly.
    const around = def('n0', [
      call('n0', 'k'),
      { id: 'k', kind: 'condition_call', inspects: 'n0', outcomes: ['busy'], yes: 'n1', no: 'c' },
      email('n1', 'c'),
      emailCondition('c', 'n1', null, null),
    ]);
    expectCode(around, 'condition_wrong_predecessor', 'c');
  });

  it('inspected_step_missing, and canDeleteNode names the conditions that block a delete', () => {
    expectCode(def('c', [emailCondition('c', 'deleted', null, null)]), 'inspected_step_missing', 'c');
    const d = def('n1', [email('n1', 'c'), emailCondition('c', 'n1', null, null)]);
    expect(canDeleteNode(d, 'n1')).toEqual({ allowed: false, blockingConditionIds: ['c'] });
    expect(canDeleteNode(d, 'c')).toEqual({ allowed: true, blockingConditionIds: [] });
  });

  it('template_missing and automated_email_without_template', () => {
    expectCode(def('n1', [email('n1', null, 'tpl-gone')]), 'template_missing', 'n1');
    expectCode(
      def('n1', [{ id: 'n1', kind: 'email', templateId: 'tpl-gone', next: null }]),
      'template_missing',
      'n1',
    );
    expectCode(def('n1', [email('n1', null, null)]), 'automated_email_without_template', 'n1');
    // A manual email may go without a template.
    expect(codes(def('n1', [{ id: 'n1', kind: 'email', templateId: null, next: null }]))).toEqual([]);
  });

  it('ab_split_not_100 and ab_variant_template_missing', () => {
    const ab = (splits: number[], templates: (string | null)[]): SequenceNode => ({
      id: 'n1',
      kind: 'automated_email',
      templateId: null,
      abTest: {
        variants: splits.map((split, i) => ({
          id: String.fromCharCode(65 + i),
          templateId: templates[i] ?? null,
          split,
        })),
        winnerMetric: 'replies',
        end: { type: 'auto', minRecipients: 100 },
      },
      next: null,
    });
    expectCode(def('n1', [ab([50, 40], ['tpl-a', 'tpl-b'])]), 'ab_split_not_100', 'n1');
    expectCode(def('n1', [ab([50, 50], ['tpl-a', null])]), 'ab_variant_template_missing', 'n1');
    expectCode(def('n1', [ab([50, 50], ['tpl-a', 'tpl-gone'])]), 'ab_variant_template_missing', 'n1');
    expect(codes(def('n1', [ab([34, 33, 33], ['tpl-a', 'tpl-b', 'tpl-a'])]))).toEqual([]);
  });

  it('advance to another sequence: missing, self, inactive, other record type, not last, first', () => {
    const adv = (sequenceId: string | null, next: string | null = null): SequenceNode => ({
      id: 'adv',
      kind: 'advance_sequence',
      sequenceId,
      next,
    });
    expectCode(def('n1', [task('n1', 'adv'), adv('seq-gone')]), 'advance_target_missing', 'adv');
    expectCode(def('n1', [task('n1', 'adv'), adv(null)]), 'advance_target_missing', 'adv');
    expectCode(def('n1', [task('n1', 'adv'), adv('self')]), 'advance_target_self', 'adv');
    expectCode(def('n1', [task('n1', 'adv'), adv('seq-inactive')]), 'advance_target_inactive', 'adv');
    expectCode(def('n1', [task('n1', 'adv'), adv('seq-contact')]), 'advance_target_wrong_record_type', 'adv');
    expectCode(
      def('n1', [task('n1', 'adv'), adv('seq-active', 'n2'), task('n2')]),
      'advance_not_last',
      'adv',
    );
    expectCode(def('adv', [adv('seq-active')]), 'advance_first', 'adv');
    expect(codes(def('n1', [task('n1', 'adv'), adv('seq-revision')]))).toEqual([]);
  });

  it('field_unknown, field_operator_mismatch, field_value_mismatch for each field type', () => {
    const one = (field: string, operator: string, value: unknown) =>
      def('f', [fieldCondition('f', field, operator, value)]);
    expectCode(one('nope', 'eq', 'x'), 'field_unknown', 'f');
    expectCode(one('contactOnly', 'eq', 'x'), 'field_unknown', 'f');
    expectCode(one('budget', 'contains', 'x'), 'field_operator_mismatch', 'f');
    expectCode(one('vip', 'gt', true), 'field_operator_mismatch', 'f');
    expectCode(one('budget', 'gt', 'ten'), 'field_value_mismatch', 'f');
    expectCode(one('renewal', 'lt', 'next week'), 'field_value_mismatch', 'f');
    expectCode(one('leadStage', 'eq', 'won'), 'field_value_mismatch', 'f');
    expectCode(one('leadStage', 'in', ['new', 'gone']), 'field_value_mismatch', 'f');
    expectCode(one('status', 'eq', 'maybe'), 'field_value_mismatch', 'f');
    expectCode(one('email', 'is_empty', 'x'), 'field_value_mismatch', 'f');
    expectCode(one('vip', 'eq', 'yes'), 'field_value_mismatch', 'f');
    for (const [field, operator, value] of [
      ['budget', 'gte', 1000],
      ['renewal', 'lt', '2026-12-31'],
      ['vip', 'eq', true],
      ['leadStage', 'in', ['new', 'contacted']],
      ['newsletter', 'eq', true],
      ['do_not_email', 'eq', false],
      ['company', 'contains', 'Acme'],
      ['email', 'is_not_empty', undefined],
      ['status', 'eq', 'open'],
    ] as const) {
      expect(codes(one(field, operator, value)), `${field} ${operator}`).toEqual([]);
    }
  });

  it('update field: unknown, not settable, value mismatch', () => {
    const update = (field: string, value: string | boolean) =>
      def('u', [{ id: 'u', kind: 'update_field', field, value, next: null }]);
    expectCode(update('nope', 'x'), 'field_unknown', 'u');
    expectCode(update('company', 'x'), 'field_not_settable', 'u');
    expectCode(update('leadStage', 'won'), 'field_value_mismatch', 'u');
    expect(codes(update('leadStage', 'contacted'))).toEqual([]);
    expect(codes(update('newsletter', true))).toEqual([]);
  });

  it('stage_unknown when the organisation keeps a stage list', () => {
    const stage = def('s', [
      { id: 's', kind: 'condition_stage', stages: ['Propose', 'Negotiate'], yes: null, no: null },
    ]);
    expectCode(stage, 'stage_unknown', 's');
    expect(codes(stage, { ...context, stages: undefined })).toEqual([]);
  });

  it('email_result_unsupported: an old definition waiting for "attachment downloaded" loads but cannot run', () => {
    const old = def('n1', [
      email('n1', 'n2'),
      {
        ...emailCondition('n2', 'n1', null, null),
        results: ['opened', 'attachment_downloaded'],
      } as SequenceNode,
    ]);
    expectCode(old, 'email_result_unsupported', 'n2');
    expect(problemsAt(old, 'email_result_unsupported')[0]?.message).toMatch(/no longer supported/);
    expect(codes(def('n1', [email('n1', 'n2'), emailCondition('n2', 'n1', null, null)]))).toEqual([]);
  });

  it('reports every problem at once', () => {
    const broken = def('n1', [
      email('n1', 'w', 'tpl-gone'),
      { id: 'w', kind: 'wait', days: 40, hours: 0, next: null },
      task('orphan', 'nowhere'),
    ]);
    expect(new Set(codes(broken))).toEqual(
      new Set(['template_missing', 'wait_last', 'wait_too_long', 'unreachable_node', 'dangling_branch']),
    );
  });

  it('every code has a test', () => {
    expect(VALIDATION_CODES.filter((code) => !tested.has(code))).toEqual([]);
  });
});
