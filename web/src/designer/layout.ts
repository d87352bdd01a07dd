import dagre from '@dagrejs/dagre';
import type { Edge, Node } from '@xyflow/react';
import type { SequenceDefinition, SequenceNode } from '../../../src/domain/sequence/definition.ts';
import { type EdgeLabel, edgesOf } from '../../../src/domain/sequence/graph.ts';
import type { DesignerProblem } from './designer-api.ts';
import type { Slot } from './graph-edit.ts';

/**
 * The definition as an @xyflow/react graph, laid out top to bottom by dagre. Ids of canvas-only elements
 * contain ":" (node ids never do): "start:" for "Sequence starts here", "end:<slot>" for the + after a path's end.
 */
export const START_ID = 'start:';

export type StepNodeData = { node: SequenceNode; problems: DesignerProblem[] };
export type AddNodeData = { slot: Slot };
export type StartNodeData = { problems: DesignerProblem[] };
export type InsertEdgeData = { slot: Slot; label: EdgeLabel | 'start'; insertable: boolean };

export type DesignerNode =
  | Node<StepNodeData, 'step'>
  | Node<AddNodeData, 'add'>
  | Node<StartNodeData, 'start'>;
export type DesignerEdge = Edge<InsertEdgeData, 'insert'>;

export const STEP_WIDTH = 260;
const STEP_HEIGHT = 64;
const PROBLEM_HEIGHT = 36;
const START_WIDTH = 260;
const START_HEIGHT = 44;
const ADD_SIZE = 32;

function slotId(slot: Slot): string {
  return slot.from === 'start' ? 'start' : `${slot.from}:${(slot as { label: EdgeLabel }).label}`;
}

export function buildFlow(
  definition: SequenceDefinition,
  problems: DesignerProblem[],
  readOnly: boolean,
): { nodes: DesignerNode[]; edges: DesignerEdge[] } {
  const byNode = new Map<string, DesignerProblem[]>();
  for (const problem of problems) {
    if (problem.nodeId === null) continue;
    byNode.set(problem.nodeId, [...(byNode.get(problem.nodeId) ?? []), problem]);
  }
  const ids = new Set(definition.nodes.map((n) => n.id));
  const nodes: DesignerNode[] = [
    {
      id: START_ID,
      type: 'start',
      position: { x: 0, y: 0 },
      data: { problems: problems.filter((p) => p.nodeId === null) },
      width: START_WIDTH,
      height: START_HEIGHT,
    },
  ];
  const edges: DesignerEdge[] = [];

  const connect = (source: string, slot: Slot, label: EdgeLabel | 'start', target: string | null) => {
    if (target !== null && ids.has(target)) {
      edges.push({
        id: `e:${slotId(slot)}`,
        source,
        target,
        type: 'insert',
        data: { slot, label, insertable: !readOnly },
      });
      return;
    }
    if (readOnly) return;
    const endId = `end:${slotId(slot)}`;
    nodes.push({
      id: endId,
      type: 'add',
      position: { x: 0, y: 0 },
      data: { slot },
      width: ADD_SIZE,
      height: ADD_SIZE,
    });
    edges.push({
      id: `e:${slotId(slot)}`,
      source,
      target: endId,
      type: 'insert',
      data: { slot, label, insertable: false },
    });
  };

  connect(START_ID, { from: 'start' }, 'start', definition.start);
  for (const node of definition.nodes) {
    const nodeProblems = byNode.get(node.id) ?? [];
    nodes.push({
      id: node.id,
      type: 'step',
      position: { x: 0, y: 0 },
      data: { node, problems: nodeProblems },
      width: STEP_WIDTH,
      height: STEP_HEIGHT + (nodeProblems.length > 0 ? PROBLEM_HEIGHT : 0),
    });
    for (const edge of edgesOf(node)) {
      // Nothing may follow "advance to another sequence": no + after it.
      if (node.kind === 'advance_sequence' && edge.target === null) continue;
      connect(node.id, { from: node.id, label: edge.label }, edge.label, edge.target);
    }
  }
  return { nodes: layout(nodes, edges), edges };
}

function layout(nodes: DesignerNode[], edges: DesignerEdge[]): DesignerNode[] {
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir: 'TB', nodesep: 48, ranksep: 56, marginx: 16, marginy: 16 });
  graph.setDefaultEdgeLabel(() => ({}));
  // Depth-first order with Yes before No, so dagre keeps the Yes branch on the left as Dynamics 365 does.
  const children = new Map<string, string[]>();
  for (const edge of edges) children.set(edge.source, [...(children.get(edge.source) ?? []), edge.target]);
  const ordered: string[] = [];
  const seen = new Set<string>();
  const visit = (id: string) => {
    if (seen.has(id)) return;
    seen.add(id);
    ordered.push(id);
    for (const child of children.get(id) ?? []) visit(child);
  };
  visit(START_ID);
  for (const node of nodes) visit(node.id);
  const byId = new Map(nodes.map((node) => [node.id, node]));
  for (const id of ordered) graph.setNode(id, { width: byId.get(id)!.width, height: byId.get(id)!.height });
  for (const id of ordered) for (const child of children.get(id) ?? []) graph.setEdge(id, child);
  // Yes on the left, No on the right.
  const constraints: { left: string; right: string }[] = [];
  for (const edge of edges) {
    if (edge.data?.label !== 'yes') continue;
    const no = edges.find((e) => e.source === edge.source && e.data?.label === 'no');
    if (no) constraints.push({ left: edge.target, right: no.target });
  }
  dagre.layout(graph, { constraints });
  return nodes.map((node) => {
    const placed = graph.node(node.id) as { x: number; y: number } | undefined;
    const width = node.width ?? 0;
    const height = node.height ?? 0;
    return placed ? { ...node, position: { x: placed.x - width / 2, y: placed.y - height / 2 } } : node;
  });
}
