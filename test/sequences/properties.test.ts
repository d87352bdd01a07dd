import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CALL_OUTCOMES,
  EMAIL_RESULTS,
  FIELD_OPERATORS,
  type SequenceDefinition,
  SequenceDefinitionSchema,
  type SequenceNode,
} from '../../src/domain/sequence/definition.ts';
import {
  EXPORT_FORMAT,
  parseExport,
  remapTemplateIds,
  type SequenceExport,
  templateIdsOf,
} from '../../src/domain/sequence/export-format.ts';
import { type ValidationContext, validateDefinition } from '../../src/domain/sequence/validate.ts';

const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
const idArb = fc.constantFrom(...ids);
const targetArb = fc.option(fc.constantFrom(...ids, 'missing'), { nil: null });
const templateArb = fc.option(fc.constantFrom('tpl-1', 'tpl-2', 'tpl-gone'), { nil: null });
const durationArb = fc.record({
  days: fc.integer({ min: 0, max: 365 }),
  hours: fc.integer({ min: 0, max: 23 }),
});

const manualKinds = [
  'phone_call',
  'task',
  'text_message',
  'linkedin_research',
  'linkedin_introduction',
  'linkedin_connect',
  'linkedin_inmail',
] as const;

/** Any node the schema accepts, with edges pointing anywhere (including nowhere). */
const garbageNode: fc.Arbitrary<SequenceNode> = fc.oneof(
  fc.record({ id: idArb, kind: fc.constantFrom(...manualKinds), next: targetArb }),
  fc.record({ id: idArb, kind: fc.constant('email' as const), templateId: templateArb, next: targetArb }),
  fc.record({
    id: idArb,
    kind: fc.constant('automated_email' as const),
    templateId: templateArb,
    abTest: fc.option(
      fc.record({
        variants: fc.array(
          fc.record({
            id: fc.constantFrom('A', 'B', 'C'),
            templateId: templateArb,
            split: fc.integer({ min: 0, max: 100 }),
          }),
          { minLength: 2, maxLength: 5 },
        ),
        winnerMetric: fc.constantFrom('opens' as const, 'clicks' as const, 'replies' as const),
        end: fc.constant({ type: 'auto' as const, minRecipients: 10 }),
      }),
      { nil: undefined },
    ),
    next: targetArb,
  }),
  fc.record({
    id: idArb,
    kind: fc.constant('wait' as const),
    days: fc.integer({ min: 0, max: 365 }),
    hours: fc.integer({ min: 0, max: 23 }),
    next: targetArb,
  }),
  fc.record({
    id: idArb,
    kind: fc.constant('condition_email' as const),
    inspects: fc.constantFrom(...ids, 'missing'),
    results: fc.uniqueArray(fc.constantFrom(...EMAIL_RESULTS), { minLength: 1 }),
    combine: fc.constantFrom('all' as const, 'any' as const),
    timeLimit: durationArb,
    moveWhenSeen: fc.boolean(),
    yes: targetArb,
    no: targetArb,
  }),
  fc.record({
    id: idArb,
    kind: fc.constant('condition_call' as const),
    inspects: fc.constantFrom(...ids, 'missing'),
    outcomes: fc.uniqueArray(fc.constantFrom(...CALL_OUTCOMES), { minLength: 1 }),
    yes: targetArb,
    no: targetArb,
  }),
  fc.record({
    id: idArb,
    kind: fc.constant('condition_field' as const),
    rule: fc.record({
      combine: fc.constantFrom('and' as const, 'or' as const),
      groups: fc.array(
        fc.record({
          combine: fc.constantFrom('and' as const, 'or' as const),
          conditions: fc.array(
            fc.record({
              field: fc.constantFrom('budget', 'status', 'email', 'vip', 'nope', 'do_not_call', 'created_at'),
              operator: fc.constantFrom(...FIELD_OPERATORS),
              value: fc.oneof(
                fc.string({ maxLength: 10 }),
                fc.double({ noDefaultInfinity: true, noNaN: true }),
                fc.boolean(),
                fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
                fc.constant(null),
              ),
            }),
            { minLength: 1, maxLength: 3 },
          ),
        }),
        { minLength: 1, maxLength: 3 },
      ),
    }),
    yes: targetArb,
    no: targetArb,
  }),
  fc.record({
    id: idArb,
    kind: fc.constant('condition_stage' as const),
    stages: fc.array(fc.constantFrom('Qualify', 'Other'), { minLength: 1 }),
    yes: targetArb,
    no: targetArb,
  }),
  fc.record({
    id: idArb,
    kind: fc.constant('update_field' as const),
    field: fc.constantFrom('status', 'vip', 'x'),
    value: fc.oneof(fc.string({ maxLength: 8 }), fc.boolean()),
    next: targetArb,
  }),
  fc.record({
    id: idArb,
    kind: fc.constant('advance_sequence' as const),
    sequenceId: fc.option(fc.constantFrom('s-ok', 's-off', 'self'), { nil: null }),
    next: targetArb,
  }),
) as fc.Arbitrary<SequenceNode>;

const context: ValidationContext = {
  recordType: 'lead',
  sequenceId: 'self',
  templates: [{ id: 'tpl-1' }, { id: 'tpl-2' }],
  sequences: [
    { id: 's-ok', status: 'active', recordType: 'lead' },
    { id: 's-off', status: 'inactive', recordType: 'lead' },
  ],
  fields: [
    { name: 'budget', label: 'Budget', type: 'number' },
    { name: 'vip', label: 'VIP', type: 'boolean' },
  ],
  stages: ['Qualify'],
};

/**
 * Valid definitions by construction: a chain of "blocks" (a step; or an email/call step followed by its
 * condition whose one branch skips ahead), ending in a non-wait step.
 */
const validDefinition: fc.Arbitrary<SequenceDefinition> = fc
  .array(
    fc.constantFrom('email', 'auto', 'call', 'task', 'wait', 'linkedin', 'email_cond', 'call_cond', 'field'),
    {
      minLength: 1,
      maxLength: 12,
    },
  )
  .chain((blocks) =>
    fc.tuple(
      fc.constant(blocks),
      fc.array(
        fc.tuple(
          fc.integer({ min: 0, max: 30 }),
          fc.integer({ min: 0, max: 23 }),
          fc.constantFrom('tpl-1', 'tpl-2'),
        ),
        {
          minLength: blocks.length,
          maxLength: blocks.length,
        },
      ),
      fc.record({
        exitOnReply: fc.boolean(),
        skipNonWorkingDays: fc.boolean(),
        trackOpens: fc.boolean(),
        trackClicks: fc.boolean(),
      }),
    ),
  )
  .map(([blocks, params, options]) => {
    const nodes: SequenceNode[] = [];
    const entry = (i: number) => `b${i}`;
    blocks.forEach((block, i) => {
      const [d, h, tpl] = params[i]!;
      const next = i + 1 < blocks.length ? entry(i + 1) : 'end';
      const id = entry(i);
      switch (block) {
        case 'email':
          nodes.push({ id, kind: 'email', name: `Email ${i}`, templateId: tpl, next });
          break;
        case 'auto':
          nodes.push({ id, kind: 'automated_email', templateId: tpl, next });
          break;
        case 'call':
          nodes.push({ id, kind: 'phone_call', description: 'Call them', next });
          break;
        case 'task':
          nodes.push({ id, kind: 'task', next });
          break;
        case 'wait':
          nodes.push({ id, kind: 'wait', days: Math.min(d, 29), hours: h, next });
          break;
        case 'linkedin':
          nodes.push({ id, kind: 'linkedin_connect', next });
          break;
        case 'email_cond':
          nodes.push({ id, kind: 'automated_email', templateId: tpl, next: `${id}c` });
          nodes.push({
            id: `${id}c`,
            kind: 'condition_email',
            inspects: id,
            results: ['opened', 'replied'],
            combine: 'all',
            timeLimit: { days: d, hours: h },
            moveWhenSeen: h % 2 === 0,
            yes: next,
            no: 'end',
          });
          break;
        case 'call_cond':
          nodes.push({ id, kind: 'phone_call', next: `${id}c` });
          nodes.push({
            id: `${id}c`,
            kind: 'condition_call',
            inspects: id,
            outcomes: ['connected', 'busy'],
            yes: 'end',
            no: next,
          });
          break;
        case 'field':
          nodes.push({
            id,
            kind: 'condition_field',
            rule: {
              combine: 'or',
              groups: [{ combine: 'and', conditions: [{ field: 'budget', operator: 'gte', value: d }] }],
            },
            yes: next,
            no: 'end',
          });
          break;
      }
    });
    nodes.push({ id: 'end', kind: 'task', name: 'Wrap up', next: null });
    return SequenceDefinitionSchema.parse({ start: 'b0', nodes, options: { ...options, sendWindow: null } });
  });

describe('sequence graph properties', () => {
  it('the validator never crashes on any schema-valid graph, and pins problems to existing nodes', () => {
    fc.assert(
      fc.property(
        fc.array(garbageNode, { maxLength: 12 }),
        fc.option(fc.constantFrom(...ids, 'missing'), { nil: null }),
        (nodes, start) => {
          const definition = SequenceDefinitionSchema.parse({ start, nodes });
          const problems = validateDefinition(definition, context);
          const known = new Set(definition.nodes.map((n) => n.id));
          for (const problem of problems) {
            expect(problem.nodeId === null || known.has(problem.nodeId)).toBe(true);
            expect(problem.message).not.toBe('');
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('constructed definitions are valid', () => {
    fc.assert(
      fc.property(validDefinition, (definition) => {
        expect(validateDefinition(definition, context)).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('every valid definition survives export → import unchanged (template ids remapped and back)', () => {
    fc.assert(
      fc.property(validDefinition, (definition) => {
        const exported: SequenceExport = {
          format: EXPORT_FORMAT,
          name: 'Roundtrip',
          description: '',
          recordType: 'lead',
          definition,
          options: definition.options,
          emailTemplates: templateIdsOf(definition).map((id) => ({
            id,
            name: id,
            language: 'en',
            subject: 'Hi',
            bodyHtml: '<p>Hi</p>',
            bodyText: null,
            recordType: null,
          })),
          tags: [['Region', 'EMEA']],
        };
        const parsed = parseExport(JSON.parse(JSON.stringify(exported)));
        expect(parsed.ok).toBe(true);
        if (!parsed.ok) return;
        expect(parsed.document).toEqual(exported);
        const forward = new Map(parsed.document.emailTemplates.map((t) => [t.id, `new-${t.id}`]));
        const imported = remapTemplateIds(parsed.document.definition, forward);
        expect(
          validateDefinition(imported, {
            ...context,
            templates: [...forward.values()].map((id) => ({ id })),
          }),
        ).toEqual([]);
        const back = new Map([...forward].map(([from, to]) => [to, from]));
        expect(remapTemplateIds(imported, back)).toEqual(definition);
      }),
      { numRuns: 200 },
    );
  });
});
