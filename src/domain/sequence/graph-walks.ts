import type { SequenceDefinition } from './definition.ts';
import { edgesOf, nodeIndex } from './graph.ts';

/** Ids reachable from the start when `blocked` is removed from the graph. */
export function reachableAvoiding(definition: SequenceDefinition, blocked: string): Set<string> {
  const byId = nodeIndex(definition);
  const seen = new Set<string>();
  const stack = definition.start && definition.start !== blocked ? [definition.start] : [];
  while (stack.length > 0) {
    const id = stack.pop()!;
    const node = byId.get(id);
    if (!node || seen.has(id)) continue;
    seen.add(id);
    for (const edge of edgesOf(node)) if (edge.target && edge.target !== blocked) stack.push(edge.target);
  }
  return seen;
}

/** Targets of back edges: each is a node where a loop closes. */
export function cycleNodes(definition: SequenceDefinition): string[] {
  const byId = nodeIndex(definition);
  const state = new Map<string, 'open' | 'done'>();
  const found = new Set<string>();
  const roots = [...(definition.start ? [definition.start] : []), ...definition.nodes.map((n) => n.id)];
  for (const root of roots) {
    if (state.has(root) || !byId.has(root)) continue;
    // Iterative DFS keeps deep graphs off the call stack.
    const stack: { id: string; edges: (string | null)[]; index: number }[] = [];
    const enter = (id: string) => {
      state.set(id, 'open');
      stack.push({ id, edges: edgesOf(byId.get(id)!).map((e) => e.target), index: 0 });
    };
    enter(root);
    while (stack.length > 0) {
      const frame = stack.at(-1)!;
      if (frame.index >= frame.edges.length) {
        state.set(frame.id, 'done');
        stack.pop();
        continue;
      }
      const target = frame.edges[frame.index++];
      if (!target || !byId.has(target)) continue;
      const seen = state.get(target);
      if (seen === 'open') found.add(target);
      else if (seen === undefined) enter(target);
    }
  }
  return [...found];
}
