import { describe, expect, it } from 'vitest';
import type { Effect, StepWrite } from '../engine/effects.ts';
import { assignedSteps } from './assigned-steps.ts';

function step(extra: Partial<StepWrite>): Effect {
  return {
    type: 'step',
    step: {
      nodeId: 'n1',
      kind: 'phone_call',
      name: 'Call',
      status: 'due',
      dueAt: 0,
      ownerId: null,
      variant: null,
      outcome: null,
      note: null,
      completedAt: null,
      completedBy: null,
      ...extra,
    },
  };
}

const timeline = (kind: string, actorId: string | null): Effect => ({
  type: 'timeline',
  kind,
  summary: '',
  actorId,
  data: {},
});

describe('assigned steps', () => {
  it('a manual step the sequence makes due is the connection owner’s', () => {
    expect(assignedSteps([step({})], 'u-owner')).toEqual([
      { nodeId: 'n1', name: 'Call', ownerId: 'u-owner', assignedBy: null },
    ]);
  });

  it('a colleague’s assignment names the colleague', () => {
    expect(
      assignedSteps([timeline('step_assigned', 'u-anna'), step({ ownerId: 'u-bob' })], 'u-owner'),
    ).toEqual([{ nodeId: 'n1', name: 'Call', ownerId: 'u-bob', assignedBy: 'u-anna' }]);
  });

  it('not when the owner acts, nor for automated or finished steps', () => {
    expect(assignedSteps([timeline('step_completed', 'u-owner'), step({})], 'u-owner')).toEqual([]);
    expect(assignedSteps([step({ kind: 'automated_email' })], 'u-owner')).toEqual([]);
    expect(assignedSteps([step({})], 'u-owner', ['u-owner'])).toEqual([]);
    expect(assignedSteps([step({ status: 'completed' })], 'u-owner')).toEqual([]);
  });
});
