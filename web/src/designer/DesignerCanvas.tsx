import { Background, Controls, ReactFlow, type ReactFlowInstance } from '@xyflow/react';
import { type RefObject, useCallback, useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { edgeTypes, nodeTypes } from './canvas-elements.tsx';
import type { DesignerEdge, DesignerNode } from './layout.ts';
import { useRevealNode } from './reveal-node.ts';

type Flow = ReactFlowInstance<DesignerNode, DesignerEdge>;
interface FlowGraph {
  nodes: DesignerNode[];
  edges: DesignerEdge[];
}

/**
 * The canvas's viewport: `placeTop` shows the whole graph from the top ("Sequence starts here" near the top
 * edge), zoomed out only if needed; `reveal` scrolls a just-added node into view; `center` pans to a node.
 * A different graph (`shownGraph`: another version, or back to the draft) starts from the top again.
 */
export function useCanvasView(flowGraph: FlowGraph, shownGraph: string) {
  const flow = useRef<Flow | null>(null);
  const canvas = useRef<HTMLDivElement>(null);
  const reveal = useRevealNode(flow, canvas, flowGraph.nodes);
  const placeTop = useCallback(() => {
    const instance = flow.current;
    const box = canvas.current?.getBoundingClientRect();
    if (!instance || !box || flowGraph.nodes.length === 0) return;
    const xs = flowGraph.nodes.map((n) => n.position.x);
    const ys = flowGraph.nodes.map((n) => n.position.y);
    const minX = Math.min(...xs);
    const maxX = Math.max(...flowGraph.nodes.map((n) => n.position.x + (n.width ?? 0)));
    const minY = Math.min(...ys);
    const maxY = Math.max(...flowGraph.nodes.map((n) => n.position.y + (n.height ?? 0)));
    const zoom = Math.max(
      0.4,
      Math.min(1, (box.width - 48) / (maxX - minX), (box.height - 48) / (maxY - minY)),
    );
    void instance.setViewport(
      { x: box.width / 2 - ((minX + maxX) / 2) * zoom, y: 24 - minY * zoom, zoom },
      { duration: 0 },
    );
  }, [flowGraph]);

  const lastShown = useRef(shownGraph);
  useEffect(() => {
    if (lastShown.current === shownGraph) return;
    lastShown.current = shownGraph;
    requestAnimationFrame(placeTop);
  }, [shownGraph, placeTop]);

  function center(id: string) {
    const node = flowGraph.nodes.find((n) => n.id === id);
    if (node && flow.current) {
      void flow.current.setCenter(node.position.x + (node.width ?? 0) / 2, node.position.y + 40, {
        zoom: flow.current.getZoom(),
        duration: 200,
      });
    }
  }

  return { flow, canvas, placeTop, reveal, center };
}

/** The drawn sequence (React Flow): steps and edges are laid out by layout.ts, never dragged. */
export function DesignerCanvas({
  flowGraph,
  view,
  onSelect,
  onPaneClick,
}: {
  flowGraph: FlowGraph;
  view: { flow: RefObject<Flow | null>; canvas: RefObject<HTMLDivElement | null>; placeTop(): void };
  onSelect(id: string): void;
  onPaneClick(): void;
}) {
  const { t } = useTranslation('designer');
  return (
    <div className="designer-canvas" data-testid="designer-canvas" ref={view.canvas}>
      <ReactFlow<DesignerNode, DesignerEdge>
        nodes={flowGraph.nodes}
        edges={flowGraph.edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onInit={(instance) => {
          view.flow.current = instance;
          view.placeTop();
        }}
        onNodeClick={(_event, node) => {
          if (node.type === 'step') onSelect(node.id);
        }}
        onPaneClick={onPaneClick}
        nodesDraggable={false}
        nodesConnectable={false}
        elementsSelectable={false}
        deleteKeyCode={null}
        minZoom={0.2}
        maxZoom={1.5}
        proOptions={{ hideAttribution: true }}
        ariaLabelConfig={{
          'node.a11yDescription.default': t('a11y.node'),
          'node.a11yDescription.keyboardDisabled': t('a11y.node'),
          'edge.a11yDescription.default': t('a11y.edge'),
          'controls.ariaLabel': t('a11y.controls'),
          'controls.zoomIn.ariaLabel': t('a11y.zoomIn'),
          'controls.zoomOut.ariaLabel': t('a11y.zoomOut'),
          'controls.fitView.ariaLabel': t('a11y.fitView'),
          'controls.interactive.ariaLabel': t('a11y.interactive'),
        }}
      >
        <Background gap={16} />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
