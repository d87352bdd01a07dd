import dagre from '@dagrejs/dagre';
import type { Edge, Node } from '@xyflow/react';
import type { SequenceDefinition, SequenceNode } from '../../../src/domain/sequence/definition.ts';
import { type EdgeLabel, edgesOf } from '../../../src/domain/sequence/graph.ts';
import type { DesignerProblem } from './designer-api.ts';
import type { Slot } from './graph-edit.ts';

/**
 * The definition as an @xyflow/react graph, laid out top to bottom by dagre. Ids of canvas-only elements
 * contain ":" (node ids never do): "start:" for "Sequence starts here", "end:<slot>" for the end of a path (a +
 * when editing, an end mark when read-only). Editing and read-only share one layout: the same nodes, the same
 * places, the same edge routes.
 */
export const START_ID = 'start:';

export type StepNodeData = { node: SequenceNode; problems: DesignerProblem[] };
export type AddNodeData = { slot: Slot };
export type StartNodeData = { problems: DesignerProblem[] };
export type InsertEdgeData = {
  slot: Slot;
  label: EdgeLabel | 'start';
  insertable: boolean;
  /** The drawn route (around other nodes) and where its + and Yes/No label sit; filled in by the layout. */
  route?: Point[];
  plus?: Point;
  labelAt?: Point | null;
};
export interface Point {
  x: number;
  y: number;
}

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

/**
 * Edges are drawn, not used: no tab stop, and hidden from screen readers, which otherwise read React Flow's
 * English "Edge from <id> to <id>" with internal ids (the steps' order already tells the path; + is a button).
 */
const QUIET_EDGE = { focusable: false, domAttributes: { 'aria-hidden': true } } as const;

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
        ...QUIET_EDGE,
      });
      return;
    }
    const endId = `end:${slotId(slot)}`;
    nodes.push({
      id: endId,
      type: 'add',
      position: { x: 0, y: 0 },
      // Its + button is the tab stop; the node around it would be a second one that does nothing.
      focusable: false,
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
      ...QUIET_EDGE,
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
  return layout(nodes, edges);
}

/** The bottom-centre handle edges leave from and the top-centre handle they arrive at. */
export function bottomOf(node: DesignerNode): Point {
  return { x: node.position.x + (node.width ?? 0) / 2, y: node.position.y + (node.height ?? 0) };
}
export function topOf(node: DesignerNode): Point {
  return { x: node.position.x + (node.width ?? 0) / 2, y: node.position.y };
}

/**
 * An edge's drawn route: vertical runs in the columns dagre reserved for it, horizontal runs only halfway between
 * two waypoints (in the space between ranks), so it never crosses another node. Collinear points are merged.
 */
export function routeEdge(source: Point, via: Point[], target: Point): Point[] {
  const points: Point[] = [source];
  let at = source;
  for (const waypoint of [...via, target]) {
    // Less than a pixel apart is the same column (the handle and dagre's point may differ by rounding).
    const next = Math.abs(waypoint.x - at.x) < 1 ? { x: at.x, y: waypoint.y } : waypoint;
    if (next.x !== at.x) {
      const gap = at.y + (next.y - at.y) / 2;
      points.push({ x: at.x, y: gap }, { x: next.x, y: gap });
    }
    points.push(next);
    at = next;
  }
  return points.filter((point, i) => {
    const before = points[i - 1];
    const after = points[i + 1];
    if (!before || !after) return true;
    if (before.x === point.x && point.y === before.y) return false;
    return !((before.x === point.x && point.x === after.x) || (before.y === point.y && point.y === after.y));
  });
}

/**
 * Where an edge's + (insert here) and its Yes/No label go: the middle of the edge's longest vertical run that
 * no other edge shares (not the run leaving a node with several exits, not the run into a node several paths
 * join), the label beside the + (Yes to the left, No to the right).
 */
export function edgeMarks(
  route: Point[],
  label: EdgeLabel | 'start',
  shared: { start: boolean; end: boolean },
): { plus: Point; label: Point | null } {
  const runs = route.slice(1).map((to, i) => ({ from: route[i]!, to, index: i }));
  const last = runs.length - 1;
  const vertical = runs.filter((run) => run.from.x === run.to.x);
  const own = vertical.filter(
    (run) =>
      !((shared.start && run.index === 0 && last > 0) || (shared.end && run.index === last && last > 0)),
  );
  const pool = own.length > 0 ? own : vertical.length > 0 ? vertical : runs;
  const run = pool.reduce((best, next) =>
    Math.abs(next.to.y - next.from.y) > Math.abs(best.to.y - best.from.y) ? next : best,
  );
  const plus = { x: run.from.x + (run.to.x - run.from.x) / 2, y: run.from.y + (run.to.y - run.from.y) / 2 };
  const side = label === 'yes' ? -1 : 1;
  return { plus, label: label === 'yes' || label === 'no' ? { x: plus.x + side * 18, y: plus.y } : null };
}

function layout(
  nodes: DesignerNode[],
  edges: DesignerEdge[],
): { nodes: DesignerNode[]; edges: DesignerEdge[] } {
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir: 'TB', nodesep: 64, edgesep: 48, ranksep: 72, marginx: 16, marginy: 16 });
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
  const placedNodes = nodes.map((node) => {
    const placed = graph.node(node.id) as { x: number; y: number } | undefined;
    const width = node.width ?? 0;
    const height = node.height ?? 0;
    return placed ? { ...node, position: { x: placed.x - width / 2, y: placed.y - height / 2 } } : node;
  });
  const placedById = new Map(placedNodes.map((node) => [node.id, node]));
  const count = (key: 'source' | 'target', id: string) => edges.filter((edge) => edge[key] === id).length;
  const routedEdges = edges.map((edge) => {
    const points = (graph.edge(edge.source, edge.target) as { points?: Point[] } | undefined)?.points ?? [];
    // dagre's first and last points are where the edge meets its nodes; the ones between avoid other nodes.
    const via = points.slice(1, -1).map((point) => ({ x: point.x, y: point.y }));
    const route = routeEdge(bottomOf(placedById.get(edge.source)!), via, topOf(placedById.get(edge.target)!));
    if (!edge.data) return edge;
    const marks = edgeMarks(route, edge.data.label, {
      start: count('source', edge.source) > 1,
      end: count('target', edge.target) > 1,
    });
    return { ...edge, data: { ...edge.data, route, plus: marks.plus, labelAt: marks.label } };
  });
  return { nodes: placedNodes, edges: routedEdges };
}
