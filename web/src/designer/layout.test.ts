import { describe, expect, it } from 'vitest';
import type { SequenceDefinition } from '../../../src/domain/sequence/definition.ts';
import { buildFlow, START_ID } from './layout.ts';

const definition: SequenceDefinition = {
  start: 'intro',
  nodes: [
    { id: 'intro', kind: 'email', templateId: null, next: 'check' },
    {
      id: 'check',
      kind: 'condition_email',
      inspects: 'intro',
      results: ['opened'],
      combine: 'any',
      timeLimit: { days: 1, hours: 0 },
      moveWhenSeen: true,
      yes: 'call',
      no: 'connect',
    },
    { id: 'call', kind: 'phone_call', next: null },
    { id: 'connect', kind: 'linkedin_connect', next: 'move' },
    { id: 'move', kind: 'advance_sequence', sequenceId: null, next: null },
  ],
  options: {
    exitOnReply: true,
    skipNonWorkingDays: false,
    sendWindow: null,
    trackOpens: true,
    trackClicks: true,
  },
};

describe('designer layout', () => {
  it('lays out top to bottom with the Yes branch on the left', () => {
    const { nodes } = buildFlow(definition, [], false);
    const at = (id: string) => nodes.find((n) => n.id === id)!.position;
    expect(at(START_ID).y).toBeLessThan(at('intro').y);
    expect(at('intro').y).toBeLessThan(at('check').y);
    expect(at('call').x).toBeLessThan(at('connect').x);
  });

  it('offers + at every open end except after "advance to another sequence", and none when read-only', () => {
    const editable = buildFlow(definition, [], false);
    expect(editable.nodes.filter((n) => n.type === 'add').map((n) => n.id)).toEqual(['end:call:next']);
    expect(editable.edges.filter((e) => e.data?.insertable).map((e) => e.id)).toEqual([
      'e:start',
      'e:intro:next',
      'e:check:yes',
      'e:check:no',
      'e:connect:next',
    ]);
    const readOnly = buildFlow(definition, [], true);
    expect(readOnly.nodes.some((n) => n.type === 'add')).toBe(false);
    expect(readOnly.edges.some((e) => e.data?.insertable)).toBe(false);
  });

  it('puts each problem on its node and sequence-wide problems on the start', () => {
    const { nodes } = buildFlow(
      definition,
      [
        { code: 'advance_target_missing', nodeId: 'move', message: 'm' },
        { code: 'empty_sequence', nodeId: null, message: 'e' },
      ],
      false,
    );
    const move = nodes.find((n) => n.id === 'move')!;
    expect(move.type === 'step' && move.data.problems.map((p) => p.code)).toEqual(['advance_target_missing']);
    const start = nodes.find((n) => n.id === START_ID)!;
    expect(start.type === 'start' && start.data.problems).toHaveLength(1);
  });
});
