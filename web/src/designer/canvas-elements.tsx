import { BaseEdge, EdgeLabelRenderer, type EdgeProps, Handle, type NodeProps, Position } from '@xyflow/react';
import { useTranslation } from 'react-i18next';
import { isConditionKind } from '../../../src/domain/sequence/graph.ts';
import { nodeSummary, nodeTitle, problemText, useDesigner } from './designer-context.tsx';
import { slotKey } from './graph-edit.ts';
import { KIND_ICONS } from './kinds.ts';
import { type DesignerEdge, type DesignerNode, edgeMarks, type Point, routeEdge } from './layout.ts';

/** Custom @xyflow/react nodes and edges of the designer canvas. */

const hiddenHandle = { opacity: 0, pointerEvents: 'none' } as const;

function Handles() {
  return (
    <>
      <Handle type="target" position={Position.Top} isConnectable={false} style={hiddenHandle} />
      <Handle type="source" position={Position.Bottom} isConnectable={false} style={hiddenHandle} />
    </>
  );
}

export function StartNode({ data }: NodeProps<Extract<DesignerNode, { type: 'start' }>>) {
  const { t } = useTranslation('designer');
  return (
    <div className="designer-start" data-testid="designer-start">
      <span aria-hidden="true">▶</span> {t('startsHere')}
      {data.problems.length > 0 && (
        <span className="designer-badge" title={data.problems.map((p) => problemText(t, p)).join('\n')}>
          {data.problems.length}
        </span>
      )}
      <Handle type="source" position={Position.Bottom} isConnectable={false} style={hiddenHandle} />
    </div>
  );
}

export function StepNode({ data }: NodeProps<Extract<DesignerNode, { type: 'step' }>>) {
  const { t } = useTranslation('designer');
  const designer = useDesigner();
  const { node, problems } = data;
  const selected = designer.selectedId === node.id;
  const condition = isConditionKind(node.kind);
  const classes = ['designer-node', condition ? 'condition' : 'step', node.kind];
  const nodeSubtitle = [node.name?.trim() ? t(`kinds.${node.kind}`) : '', nodeSummary(t, node, designer)]
    .filter(Boolean)
    .join(' · ');
  if (selected) classes.push('selected');
  if (problems.length > 0) classes.push('invalid');
  return (
    <div className={classes.join(' ')} data-testid={`node-${node.id}`} data-kind={node.kind}>
      <Handles />
      <div className="designer-node-head">
        <span className="designer-node-icon" aria-hidden="true">
          {KIND_ICONS[node.kind]}
        </span>
        <span className="designer-node-title" title={nodeTitle(t, node)}>
          {nodeTitle(t, node)}
        </span>
        {problems.length > 0 && (
          <span
            className="designer-badge"
            role="img"
            aria-label={t('problemCount', { count: problems.length })}
          >
            {problems.length}
          </span>
        )}
        {!designer.readOnly && (
          <button
            type="button"
            className="designer-node-delete nodrag"
            aria-label={t('deleteNode', { name: nodeTitle(t, node) })}
            title={t('deleteNode', { name: nodeTitle(t, node) })}
            tabIndex={-1}
            onClick={(event) => {
              event.stopPropagation();
              designer.requestDelete(node.id);
            }}
          >
            ×
          </button>
        )}
      </div>
      <div className="designer-node-kind" title={nodeSubtitle}>
        {nodeSubtitle}
      </div>
      {problems.length > 0 && (
        <div className="designer-node-problem" role="alert" data-testid={`node-problem-${node.id}`}>
          {problemText(t, problems[0]!)}
          {problems.length > 1 ? ` ${t('moreProblems', { count: problems.length - 1 })}` : ''}
        </div>
      )}
    </div>
  );
}

export function AddNode({ data }: NodeProps<Extract<DesignerNode, { type: 'add' }>>) {
  const { t } = useTranslation('designer');
  const designer = useDesigner();
  const active = designer.addSlotKey === slotKey(data.slot);
  if (designer.readOnly) {
    return (
      <div className="designer-add-end" data-testid={`end-${slotKey(data.slot)}`}>
        <Handle type="target" position={Position.Top} isConnectable={false} style={hiddenHandle} />
        <span className="designer-end-mark" title={t('pathEnds')} aria-label={t('pathEnds')} role="img" />
      </div>
    );
  }
  return (
    <div className="designer-add-end">
      <Handle type="target" position={Position.Top} isConnectable={false} style={hiddenHandle} />
      <button
        type="button"
        className={`designer-plus nodrag${active ? ' active' : ''}`}
        aria-label={t('addHere')}
        title={t('addHere')}
        data-testid={`add-${slotKey(data.slot)}`}
        onClick={(event) => {
          event.stopPropagation();
          designer.openAdd(data.slot);
        }}
      >
        +
      </button>
    </div>
  );
}

export function InsertEdge(props: EdgeProps<DesignerEdge>) {
  const { t } = useTranslation('designer');
  const designer = useDesigner();
  const data = props.data;
  const source = { x: props.sourceX, y: props.sourceY };
  const target = { x: props.targetX, y: props.targetY };
  // The layout's route, its ends moved onto the handles if a node was measured other than laid out.
  const route = data?.route ? anchored(data.route, source, target) : routeEdge(source, [], target);
  const path = route.map((point, i) => `${i === 0 ? 'M' : 'L'} ${point.x} ${point.y}`).join(' ');
  if (!data) return <BaseEdge path={path} />;
  const branch = data.label === 'yes' || data.label === 'no' ? data.label : null;
  const key = slotKey(data.slot);
  const fallback = edgeMarks(route, data.label, { start: false, end: false });
  const marks = {
    plus: data.plus ?? fallback.plus,
    label: data.labelAt === undefined ? fallback.label : data.labelAt,
  };
  return (
    <>
      <BaseEdge path={path} className={branch ? `designer-edge-${branch}` : undefined} />
      <EdgeLabelRenderer>
        {branch && marks.label && (
          <div
            className={`designer-branch ${branch}`}
            style={{
              transform: `translate(${branch === 'yes' ? '-100%' : '0'}, -50%) translate(${marks.label.x}px, ${marks.label.y}px)`,
            }}
            data-testid={`branch-${key}`}
          >
            {t(branch === 'yes' ? 'branchYes' : 'branchNo')}
          </div>
        )}
        {data.insertable && (
          <button
            type="button"
            className={`designer-plus small nodrag nopan${designer.addSlotKey === key ? ' active' : ''}`}
            style={{
              transform: `translate(-50%, -50%) translate(${marks.plus.x}px, ${marks.plus.y}px)`,
            }}
            aria-label={t('insertHere')}
            title={t('insertHere')}
            data-testid={`add-${key}`}
            onClick={(event) => {
              event.stopPropagation();
              designer.openAdd(data.slot);
            }}
          >
            +
          </button>
        )}
      </EdgeLabelRenderer>
    </>
  );
}

export const nodeTypes = { start: StartNode, step: StepNode, add: AddNode };
export const edgeTypes = { insert: InsertEdge };

/** The route with its first and last points on the actual handles (the runs in between stay where laid out). */
function anchored(route: Point[], source: Point, target: Point): Point[] {
  if (route.length < 2) return [source, target];
  const inner = route.slice(1, -1);
  const first = inner[0];
  const last = inner.at(-1);
  return [
    source,
    ...(first && first.x !== source.x ? [{ x: source.x, y: first.y }] : []),
    ...inner,
    ...(last && last.x !== target.x ? [{ x: target.x, y: last.y }] : []),
    target,
  ];
}
