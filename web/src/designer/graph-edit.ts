import type { NodeKind, SequenceDefinition, SequenceNode } from '../../../src/domain/sequence/definition.ts';
import {
  assertNever,
  type EdgeLabel,
  edgesOf,
  nodeIndex,
  reachableIds,
} from '../../../src/domain/sequence/graph.ts';
import { canDeleteNode } from '../../../src/domain/sequence/validate.ts';

/**
 * The designer's edits as pure functions of the definition: insert a node into a slot, delete a node and
 * reconnect around it. The canvas only renders; every change goes through here (and into the undo history).
 */

/** A place where a node can go: right after "Sequence starts here", or on one outgoing edge of a node. */
export type Slot = { from: 'start' } | { from: string; label: EdgeLabel };

export function slotKey(slot: Slot): string {
  return slot.from === 'start' ? 'start' : `${slot.from}:${(slot as { label: EdgeLabel }).label}`;
}

export function slotTarget(definition: SequenceDefinition, slot: Slot): string | null {
  if (slot.from === 'start') return definition.start;
  const node = nodeIndex(definition).get(slot.from);
  if (!node) return null;
  const label = (slot as { label: EdgeLabel }).label;
  return edgesOf(node).find((edge) => edge.label === label)?.target ?? null;
}

function withTarget(node: SequenceNode, label: EdgeLabel, target: string | null): SequenceNode {
  if ('yes' in node) {
    if (label === 'yes') return { ...node, yes: target };
    if (label === 'no') return { ...node, no: target };
    return node;
  }
  return label === 'next' ? { ...node, next: target } : node;
}

export function setSlotTarget(
  definition: SequenceDefinition,
  slot: Slot,
  target: string | null,
): SequenceDefinition {
  if (slot.from === 'start') return { ...definition, start: target };
  const label = (slot as { label: EdgeLabel }).label;
  return {
    ...definition,
    nodes: definition.nodes.map((node) => (node.id === slot.from ? withTarget(node, label, target) : node)),
  };
}

/** Every slot that leads to `id` (normally one: the designer builds trees). */
export function slotsInto(definition: SequenceDefinition, id: string): Slot[] {
  const slots: Slot[] = definition.start === id ? [{ from: 'start' }] : [];
  for (const node of definition.nodes) {
    for (const edge of edgesOf(node))
      if (edge.target === id) slots.push({ from: node.id, label: edge.label });
  }
  return slots;
}

/** The nodes on the way back from a slot to the start, nearest first (the slot's own node included). */
export function ancestorsOf(definition: SequenceDefinition, slot: Slot): SequenceNode[] {
  const byId = nodeIndex(definition);
  const found: SequenceNode[] = [];
  const seen = new Set<string>();
  let current: string | 'start' = slot.from;
  while (current !== 'start' && !seen.has(current)) {
    seen.add(current);
    const node = byId.get(current);
    if (!node) break;
    found.push(node);
    const parent = slotsInto(definition, current)[0];
    if (!parent) break;
    current = parent.from;
  }
  return found;
}

/** A fresh node id in the definition's alphabet. */
export function newNodeId(definition: SequenceDefinition, kind: NodeKind): string {
  const prefix = kind.replace(/_/g, '-');
  const taken = new Set(definition.nodes.map((node) => node.id));
  for (let n = definition.nodes.length + 1; ; n++) {
    const id = `${prefix}-${n}`;
    if (!taken.has(id)) return id;
  }
}

export type InsertRefusal = 'advance_first' | 'advance_not_last' | 'no_email_before' | 'no_call_before';

/** Why a node of `kind` cannot go into `slot`, or null when it can. */
export function insertRefusal(
  definition: SequenceDefinition,
  slot: Slot,
  kind: NodeKind,
): InsertRefusal | null {
  if (kind === 'advance_sequence') {
    if (slot.from === 'start') return 'advance_first';
    if (slotTarget(definition, slot) !== null) return 'advance_not_last';
  }
  if (kind === 'condition_email' && !ancestorsOf(definition, slot).some(isEmailNode))
    return 'no_email_before';
  if (kind === 'condition_call' && !ancestorsOf(definition, slot).some((n) => n.kind === 'phone_call')) {
    return 'no_call_before';
  }
  return null;
}

function isEmailNode(node: SequenceNode): boolean {
  return node.kind === 'email' || node.kind === 'automated_email';
}

export interface NodeDefaults {
  /** A field "update field" may set, with one of its values. */
  settableField?: { name: string; value: string };
  stage?: string;
}

/** A new node of `kind` with sensible defaults, continuing to `next` (conditions continue on Yes). */
export function createNode(
  definition: SequenceDefinition,
  slot: Slot,
  kind: NodeKind,
  defaults: NodeDefaults = {},
): SequenceNode {
  const id = newNodeId(definition, kind);
  const next = slotTarget(definition, slot);
  const ancestors = ancestorsOf(definition, slot);
  switch (kind) {
    case 'email':
      return { id, kind, templateId: null, next };
    case 'automated_email':
      return { id, kind, templateId: null, next };
    case 'phone_call':
    case 'task':
    case 'text_message':
    case 'linkedin_research':
    case 'linkedin_introduction':
    case 'linkedin_connect':
    case 'linkedin_inmail':
      return { id, kind, next };
    case 'wait':
      return { id, kind, days: 1, hours: 0, next };
    case 'condition_email':
      return {
        id,
        kind,
        inspects: ancestors.find(isEmailNode)?.id ?? '',
        results: ['opened'],
        combine: 'any',
        timeLimit: { days: 2, hours: 0 },
        moveWhenSeen: true,
        yes: next,
        no: null,
      };
    case 'condition_call':
      return {
        id,
        kind,
        inspects: ancestors.find((n) => n.kind === 'phone_call')?.id ?? '',
        outcomes: ['connected'],
        yes: next,
        no: null,
      };
    case 'condition_field':
      return {
        id,
        kind,
        rule: {
          combine: 'and',
          groups: [{ combine: 'and', conditions: [{ field: 'status', operator: 'eq', value: 'open' }] }],
        },
        yes: next,
        no: null,
      };
    case 'condition_stage':
      return { id, kind, stages: [defaults.stage ?? 'qualify'], yes: next, no: null };
    case 'update_field':
      return {
        id,
        kind,
        field: defaults.settableField?.name ?? 'do_not_email',
        value: defaults.settableField?.value ?? 'true',
        next,
      };
    case 'advance_sequence':
      return { id, kind, sequenceId: null, next: null };
    default:
      return assertNever(kind);
  }
}

export function insertNode(
  definition: SequenceDefinition,
  slot: Slot,
  node: SequenceNode,
): SequenceDefinition {
  const linked = setSlotTarget(definition, slot, node.id);
  return { ...linked, nodes: [...linked.nodes, node] };
}

export type DeleteResult =
  | { ok: true; definition: SequenceDefinition; removed: string[] }
  | { ok: false; reason: 'inspected'; by: string[] };

/**
 * Removes a node and reconnects what led to it with what followed it. A condition keeps its Yes branch (or the
 * only branch that has steps); the steps of a dropped No branch go too and are listed in `removed`. A step that
 * a condition inspects cannot be deleted before that condition.
 */
export function deleteNode(definition: SequenceDefinition, id: string): DeleteResult {
  const node = nodeIndex(definition).get(id);
  if (!node) return { ok: true, definition, removed: [] };
  const deletable = canDeleteNode(definition, id);
  if (!deletable.allowed) return { ok: false, reason: 'inspected', by: deletable.blockingConditionIds };

  let replacement: string | null;
  if ('yes' in node) replacement = node.yes ?? node.no;
  else replacement = node.kind === 'advance_sequence' ? null : node.next;

  const before = new Set(reachableIds(definition));
  let next = definition;
  for (const slot of slotsInto(definition, id)) next = setSlotTarget(next, slot, replacement);
  next = { ...next, nodes: next.nodes.filter((n) => n.id !== id) };
  const after = new Set(reachableIds(next));
  const dropped = [...before].filter((nodeId) => nodeId !== id && !after.has(nodeId));
  if (dropped.length > 0) {
    const drop = new Set(dropped);
    next = { ...next, nodes: next.nodes.filter((n) => !drop.has(n.id)) };
  }
  return { ok: true, definition: next, removed: [id, ...dropped] };
}

/** Replaces one node (same id) after an edit in the properties panel. */
export function replaceNode(definition: SequenceDefinition, node: SequenceNode): SequenceDefinition {
  return { ...definition, nodes: definition.nodes.map((n) => (n.id === node.id ? node : n)) };
}
