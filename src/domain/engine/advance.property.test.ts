import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type SequenceDefinition, SequenceDefinitionSchema } from '../sequence/definition.ts';
import { advance } from './advance.ts';
import type { AdvanceContext } from './context.ts';
import type { EngineEvent } from './events.ts';
import { type ConnectionState, initialState } from './state.ts';

const T0 = Date.UTC(2026, 2, 27, 22, 0);
const HOUR = 3_600_000;

const context: AdvanceContext = {
  connectionId: 'c-1',
  ownerId: 'u-1',
  record: {
    id: 'r-1',
    ownerId: 'u-1',
    email: 'a@example.com',
    status: 'open',
    stage: 'qualify',
    timeZone: 'Europe/Warsaw',
    doNotEmail: false,
    fields: { stage: 'qualify', score: 5, name: 'Ada' },
  },
  scheduling: {
    recordTimeZone: 'Europe/Warsaw',
    sellerTimeZone: 'America/New_York',
    orgTimeZone: 'UTC',
    workingHours: { days: [1, 2, 3, 4, 5], from: '09:00', to: '17:00', daysOff: [] },
    holidays: ['2026-03-30'],
  },
  customFieldNames: ['score'],
  advanceTargets: {
    'seq-active': { kind: 'ready', versionId: 'v-2' },
    'seq-off': { kind: 'refused', reason: 'advance_target_inactive' },
  },
};

const KINDS = [
  'email',
  'automated_email',
  'phone_call',
  'task',
  'text_message',
  'linkedin_connect',
  'wait',
  'condition_email',
  'condition_call',
  'condition_field',
  'condition_stage',
  'update_field',
  'advance_sequence',
] as const;

/** A random valid-shaped definition: a DAG where edges only point forward; conditions follow their step. */
const definitionArb = fc
  .record({
    kinds: fc.array(fc.constantFrom(...KINDS), { minLength: 1, maxLength: 9 }),
    picks: fc.array(fc.nat(), { minLength: 40, maxLength: 40 }),
    window: fc.boolean(),
    skipNonWorkingDays: fc.boolean(),
    exitOnReply: fc.boolean(),
  })
  .map(({ kinds, picks, window, skipNonWorkingDays, exitOnReply }): SequenceDefinition => {
    let p = 0;
    const pick = (n: number) => (picks[p++ % picks.length] ?? 0) % n;
    const id = (i: number) => `n${i}`;
    const target = (i: number) => {
      const choice = pick(kinds.length - i + 1);
      return i + 1 + choice < kinds.length ? id(i + 1 + choice) : null;
    };
    const nodes = kinds.map((kind, i) => {
      const previous = kinds.slice(0, i).map((k, j) => ({ k, id: id(j) }));
      const emails = previous.filter((x) => x.k === 'email' || x.k === 'automated_email');
      const calls = previous.filter((x) => x.k === 'phone_call');
      switch (kind) {
        case 'wait':
          return { id: id(i), kind, days: pick(3), hours: pick(24), next: target(i) };
        case 'automated_email':
          return { id: id(i), kind, templateId: 't', next: target(i) };
        case 'condition_email':
          if (emails.length > 0) {
            return {
              id: id(i),
              kind,
              inspects: emails[pick(emails.length)]!.id,
              results: pick(2) ? ['opened'] : ['opened', 'replied'],
              combine: pick(2) ? 'all' : 'any',
              timeLimit: { days: pick(2), hours: pick(5) },
              moveWhenSeen: pick(2) === 1,
              yes: target(i),
              no: target(i),
            };
          }
          return { id: id(i), kind: 'condition_stage', stages: ['qualify'], yes: target(i), no: target(i) };
        case 'condition_call':
          if (calls.length > 0) {
            return {
              id: id(i),
              kind,
              inspects: calls[pick(calls.length)]!.id,
              outcomes: ['connected'],
              yes: target(i),
              no: target(i),
            };
          }
          return { id: id(i), kind: 'task', next: target(i) };
        case 'condition_field':
          return {
            id: id(i),
            kind,
            rule: {
              combine: 'or',
              groups: [
                {
                  combine: 'and',
                  conditions: [
                    { field: pick(4) === 0 ? 'missing' : 'score', operator: 'gt', value: pick(10) },
                  ],
                },
              ],
            },
            yes: target(i),
            no: target(i),
          };
        case 'condition_stage':
          return { id: id(i), kind, stages: ['qualify'], yes: target(i), no: target(i) };
        case 'update_field':
          return { id: id(i), kind, field: 'score', value: 'x', next: target(i) };
        case 'advance_sequence':
          return { id: id(i), kind, sequenceId: pick(2) ? 'seq-active' : 'seq-off', next: null };
        default:
          return { id: id(i), kind, next: target(i) };
      }
    });
    return SequenceDefinitionSchema.parse({
      start: id(0),
      nodes,
      options: {
        exitOnReply,
        skipNonWorkingDays,
        sendWindow: window ? { from: '09:00', to: '17:00' } : null,
        trackOpens: true,
        trackClicks: true,
      },
    });
  });

const eventArb = (nodeCount: number): fc.Arbitrary<EngineEvent> => {
  const nodeId = fc.nat(nodeCount + 1).map((i) => `n${i}`);
  const id = fc.nat(15).map((n) => `e${n}`);
  return fc.oneof(
    fc.record({ id, type: fc.constant('connected' as const) }),
    fc.record({ id, type: fc.constant('timer' as const), nodeId }),
    fc.record({
      id,
      type: fc.constant('step_completed' as const),
      nodeId,
      actorId: fc.constant('u-1'),
      outcome: fc.constantFrom('connected' as const, 'no_answer' as const),
    }),
    fc.record({ id, type: fc.constant('step_skipped' as const), nodeId, actorId: fc.constant('u-1') }),
    fc.record({ id, type: fc.constant('wait_skipped' as const), nodeId, actorId: fc.constant('u-1') }),
    fc.record({
      id,
      type: fc.constant('email_result' as const),
      nodeId,
      result: fc.constantFrom('opened' as const, 'replied' as const, 'link_clicked' as const),
      at: fc.constant(T0),
    }),
    fc.record({ id, type: fc.constant('email_failed' as const), nodeId, reason: fc.constant('bounced') }),
    fc.record({
      id,
      type: fc.constant('exit' as const),
      reason: fc.constantFrom('bounced' as const, 'manual' as const),
    }),
    fc.record({ id, type: fc.constant('record_changed' as const) }),
    fc.record({
      id,
      type: fc.constant('step_snoozed' as const),
      nodeId,
      actorId: fc.constant('u-1'),
      until: fc.constant(T0 + HOUR),
    }),
  );
};

const scenarioArb = definitionArb.chain((definition) =>
  fc.record({
    definition: fc.constant(definition),
    events: fc.array(eventArb(definition.nodes.length), { maxLength: 30 }),
    steps: fc.array(fc.nat(48), { minLength: 30, maxLength: 30 }),
  }),
);

describe('advance (property)', () => {
  it('never throws, never moves an ended connection, is idempotent per event id', () => {
    fc.assert(
      fc.property(scenarioArb, ({ definition, events, steps }) => {
        let state: ConnectionState = initialState();
        let now = T0;
        const all: EngineEvent[] = [{ id: 'start', type: 'connected' }, ...events];
        all.forEach((event, i) => {
          now += (steps[i] ?? 1) * HOUR;
          const before = state;
          const result = advance(definition, state, event, now, context);
          if (before.status !== 'active') {
            expect(result.state).toBe(before);
            expect(result.effects).toEqual([]);
          }
          // The same event id again changes nothing.
          const again = advance(definition, result.state, event, now + HOUR, context);
          expect(again.state).toBe(result.state);
          expect(again.effects).toEqual([]);
          state = result.state;
          if (state.status === 'active' && state.phase !== 'new') {
            expect(definition.nodes.some((n) => n.id === state.nodeId)).toBe(true);
          }
          // Effects never write the same email twice for one node.
          const queued = result.effects.filter((e) => e.type === 'queue_email').map((e) => e.nodeId);
          expect(new Set(queued).size).toBe(queued.length);
        });
        // The input state object is never mutated.
        expect(initialState()).toEqual(initialState());
      }),
      { numRuns: 400 },
    );
  });

  it('connects to the start, and a late timer for a left node changes nothing', () => {
    const definition = SequenceDefinitionSchema.parse({
      start: 'w',
      nodes: [
        { id: 'w', kind: 'wait', days: 1, hours: 0, next: 't' },
        { id: 't', kind: 'task', next: null },
      ],
    });
    const connected = advance(definition, initialState(), { id: 'c', type: 'connected' }, T0, context);
    expect(connected.state).toMatchObject({ nodeId: 'w', phase: 'waiting' });
    const skipped = advance(
      definition,
      connected.state,
      { id: 's', type: 'wait_skipped', nodeId: 'w', actorId: 'u-1' },
      T0 + HOUR,
      context,
    );
    expect(skipped.state).toMatchObject({ nodeId: 't', phase: 'due' });
    const late = advance(
      definition,
      skipped.state,
      { id: 'timer', type: 'timer', nodeId: 'w' },
      T0 + 30 * HOUR,
      context,
    );
    expect(late.effects).toEqual([]);
    expect(late.state.nodeId).toBe('t');
  });

  it('assigns A/B variants deterministically and close to the split', () => {
    const definition = SequenceDefinitionSchema.parse({
      start: 'm',
      nodes: [
        {
          id: 'm',
          kind: 'automated_email',
          templateId: 'base',
          abTest: {
            variants: [
              { id: 'A', templateId: 'ta', split: 70 },
              { id: 'B', templateId: 'tb', split: 30 },
            ],
            winnerMetric: 'opens',
            end: { type: 'auto', minRecipients: 100 },
          },
          next: null,
        },
      ],
    });
    const counts = { A: 0, B: 0 } as Record<string, number>;
    for (let i = 0; i < 2000; i++) {
      const ctx = { ...context, connectionId: `conn-${i}` };
      const first = advance(definition, initialState(), { id: 'c', type: 'connected' }, T0, ctx);
      const second = advance(definition, initialState(), { id: 'c', type: 'connected' }, T0, ctx);
      const email = first.effects.find((e) => e.type === 'queue_email');
      expect(email).toEqual(second.effects.find((e) => e.type === 'queue_email'));
      if (email?.type === 'queue_email') {
        counts[email.variant ?? '']!++;
        expect(email.templateId).toBe(email.variant === 'A' ? 'ta' : 'tb');
      }
    }
    expect(counts.A! / 2000).toBeGreaterThan(0.65);
    expect(counts.A! / 2000).toBeLessThan(0.75);
  });
});
