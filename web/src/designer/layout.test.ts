import { describe, expect, it } from 'vitest';
import type { SequenceDefinition } from '../../../src/domain/sequence/definition.ts';
import { BUILTIN_SEQUENCES } from '../../../src/domain/templates/builtin-sequences.ts';
import { bottomOf, buildFlow, type DesignerNode, type Point, START_ID, topOf } from './layout.ts';

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
    // Read-only keeps the same ends (drawn as end marks), so both modes share one layout.
    expect(editable.edges.filter((e) => e.data?.insertable).map((e) => e.id)).toEqual([
      'e:start',
      'e:intro:next',
      'e:check:yes',
      'e:check:no',
      'e:connect:next',
    ]);
    const readOnly = buildFlow(definition, [], true);
    expect(readOnly.nodes.map((n) => [n.id, n.position])).toEqual(
      editable.nodes.map((n) => [n.id, n.position]),
    );
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

  describe.each(BUILTIN_SEQUENCES.map((template) => [template.key, template.definition] as const))(
    'geometry of the built-in template %s',
    (_key, builtin) => {
      it('one layout for editing and read-only; no edge passes behind a node; labels clear of the + buttons', () => {
        const editable = buildFlow(builtin, [], false);
        const readOnly = buildFlow(builtin, [], true);
        expect(readOnly.nodes.map((n) => [n.id, n.position])).toEqual(
          editable.nodes.map((n) => [n.id, n.position]),
        );
        const byId = new Map(editable.nodes.map((node) => [node.id, node]));
        const marks: { edge: string; box: Box }[] = [];
        for (const edge of editable.edges) {
          const route = edge.data!.route!;
          expect(route[0]).toEqual(bottomOf(byId.get(edge.source)!));
          expect(route.at(-1)).toEqual(topOf(byId.get(edge.target)!));
          for (const node of editable.nodes) {
            if (node.id === edge.source || node.id === edge.target) continue;
            for (let i = 1; i < route.length; i++) {
              expect(
                crosses(route[i - 1]!, route[i]!, boxOf(node)),
                `edge ${edge.id} passes behind ${node.id}`,
              ).toBe(false);
            }
          }
          // Only horizontal and vertical runs: nothing drawn diagonally across the canvas.
          for (let i = 1; i < route.length; i++) {
            const [a, b] = [route[i - 1]!, route[i]!];
            expect(a.x === b.x || a.y === b.y, `edge ${edge.id} has a diagonal run`).toBe(true);
          }
          const plus = edge.data!.plus!;
          const label = edge.data!.labelAt ?? null;
          marks.push({
            edge: edge.id,
            box: { left: plus.x - 12, right: plus.x + 12, top: plus.y - 12, bottom: plus.y + 12 },
          });
          if (label) {
            const left = edge.data!.label === 'yes' ? label.x - 30 : label.x;
            marks.push({
              edge: `${edge.id} label`,
              box: { left, right: left + 30, top: label.y - 8, bottom: label.y + 8 },
            });
          }
        }
        for (const mark of marks) {
          for (const node of editable.nodes) {
            expect(overlaps(mark.box, boxOf(node)), `${mark.edge} sits on ${node.id}`).toBe(false);
          }
          for (const other of marks) {
            if (other === mark) continue;
            expect(overlaps(mark.box, other.box), `${mark.edge} sits on ${other.edge}`).toBe(false);
          }
        }
      });
    },
  );
});

interface Box {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

function boxOf(node: DesignerNode): Box {
  return {
    left: node.position.x,
    right: node.position.x + (node.width ?? 0),
    top: node.position.y,
    bottom: node.position.y + (node.height ?? 0),
  };
}

function overlaps(a: Box, b: Box): boolean {
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}

/** Whether an axis-parallel segment runs through the inside of a box (touching its border does not count). */
function crosses(a: Point, b: Point, box: Box): boolean {
  const inner = { left: box.left + 1, right: box.right - 1, top: box.top + 1, bottom: box.bottom - 1 };
  const segment = {
    left: Math.min(a.x, b.x),
    right: Math.max(a.x, b.x),
    top: Math.min(a.y, b.y),
    bottom: Math.max(a.y, b.y),
  };
  return (
    segment.left <= inner.right &&
    inner.left <= segment.right &&
    segment.top <= inner.bottom &&
    inner.top <= segment.bottom
  );
}
