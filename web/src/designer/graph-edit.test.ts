import { describe, expect, it } from 'vitest';
import type { SequenceDefinition } from '../../../src/domain/sequence/definition.ts';
import { createNode, deleteNode, insertNode, insertRefusal, type Slot, slotTarget } from './graph-edit.ts';

const options = {
  exitOnReply: true,
  skipNonWorkingDays: false,
  sendWindow: null,
  trackOpens: true,
  trackClicks: true,
};
const empty: SequenceDefinition = { start: null, nodes: [], options };

function add(definition: SequenceDefinition, slot: Slot, kind: Parameters<typeof createNode>[2]) {
  const node = createNode(definition, slot, kind);
  return { definition: insertNode(definition, slot, node), id: node.id };
}

describe('designer graph edits', () => {
  it('inserts between two nodes and rewires the edge', () => {
    const a = add(empty, { from: 'start' }, 'email');
    const b = add(a.definition, { from: a.id, label: 'next' }, 'phone_call');
    const c = add(b.definition, { from: a.id, label: 'next' }, 'wait');
    expect(slotTarget(c.definition, { from: 'start' })).toBe(a.id);
    expect(slotTarget(c.definition, { from: a.id, label: 'next' })).toBe(c.id);
    expect(slotTarget(c.definition, { from: c.id, label: 'next' })).toBe(b.id);
  });

  it('puts the following steps on the Yes branch of a new condition, inspecting the email before it', () => {
    const a = add(empty, { from: 'start' }, 'email');
    const b = add(a.definition, { from: a.id, label: 'next' }, 'task');
    const c = add(b.definition, { from: a.id, label: 'next' }, 'condition_email');
    const condition = c.definition.nodes.find((n) => n.id === c.id)!;
    expect(condition).toMatchObject({ kind: 'condition_email', inspects: a.id, yes: b.id, no: null });
  });

  it('refuses conditions without the step they inspect, and advance anywhere but at an end', () => {
    expect(insertRefusal(empty, { from: 'start' }, 'condition_email')).toBe('no_email_before');
    expect(insertRefusal(empty, { from: 'start' }, 'advance_sequence')).toBe('advance_first');
    const a = add(empty, { from: 'start' }, 'phone_call');
    const b = add(a.definition, { from: a.id, label: 'next' }, 'task');
    expect(insertRefusal(b.definition, { from: a.id, label: 'next' }, 'condition_call')).toBeNull();
    expect(insertRefusal(b.definition, { from: a.id, label: 'next' }, 'advance_sequence')).toBe(
      'advance_not_last',
    );
    expect(insertRefusal(b.definition, { from: b.id, label: 'next' }, 'advance_sequence')).toBeNull();
  });

  it('reconnects the parent to the child on delete', () => {
    const a = add(empty, { from: 'start' }, 'email');
    const b = add(a.definition, { from: a.id, label: 'next' }, 'wait');
    const c = add(b.definition, { from: b.id, label: 'next' }, 'task');
    const result = deleteNode(c.definition, b.id);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(slotTarget(result.definition, { from: a.id, label: 'next' })).toBe(c.id);
    expect(result.removed).toEqual([b.id]);
  });

  it('refuses to delete a step a condition inspects', () => {
    const a = add(empty, { from: 'start' }, 'email');
    const c = add(a.definition, { from: a.id, label: 'next' }, 'condition_email');
    expect(deleteNode(c.definition, a.id)).toEqual({ ok: false, reason: 'inspected', by: [c.id] });
  });

  it('deleting a condition keeps its Yes branch and drops the No branch', () => {
    const a = add(empty, { from: 'start' }, 'phone_call');
    const c = add(a.definition, { from: a.id, label: 'next' }, 'condition_call');
    const yes = add(c.definition, { from: c.id, label: 'yes' }, 'task');
    const no = add(yes.definition, { from: c.id, label: 'no' }, 'email');
    const result = deleteNode(no.definition, c.id);
    expect(result.ok && result.removed).toEqual([c.id, no.id]);
    if (!result.ok) return;
    expect(slotTarget(result.definition, { from: a.id, label: 'next' })).toBe(yes.id);
    expect(result.definition.nodes.map((n) => n.id)).toEqual([a.id, yes.id]);
  });
});
