import { type RefObject, useEffect, useRef } from 'react';

interface Viewport {
  setCenter(x: number, y: number, options: { zoom: number; duration: number }): unknown;
  getZoom(): number;
}

/**
 * A node just added at the bottom of a long sequence is scrolled into view (issue 15, item 18): once it is
 * drawn, the canvas pans (same zoom) to centre it if any part of it lies outside the visible canvas, then the
 * page scrolls if the node is beyond the window's edge. Returns `reveal(id)`, called when a node is added.
 */
export function useRevealNode(
  flow: RefObject<Viewport | null>,
  canvas: RefObject<HTMLDivElement | null>,
  nodes: { id: string; position: { x: number; y: number } }[],
): (id: string) => void {
  const pending = useRef<string | null>(null);
  useEffect(() => {
    const id = pending.current;
    const node = id ? nodes.find((n) => n.id === id) : undefined;
    if (!id || !node) return;
    pending.current = null;
    const find = () => canvas.current?.querySelector(`[data-testid="node-${CSS.escape(id)}"]`);
    let frame = requestAnimationFrame(() => {
      const instance = flow.current;
      const box = canvas.current?.getBoundingClientRect();
      const rect = find()?.getBoundingClientRect();
      if (!instance || !box || !rect) return;
      if (rect.top < box.top || rect.bottom > box.bottom || rect.left < box.left || rect.right > box.right) {
        const zoom = instance.getZoom();
        instance.setCenter(
          node.position.x + rect.width / zoom / 2,
          node.position.y + rect.height / zoom / 2,
          {
            zoom,
            duration: 0,
          },
        );
      }
      frame = requestAnimationFrame(() => {
        const shown = find()?.getBoundingClientRect();
        if (shown && (shown.top < 0 || shown.bottom > window.innerHeight))
          find()?.scrollIntoView({ block: 'nearest' });
      });
    });
    return () => cancelAnimationFrame(frame);
  }, [nodes, flow, canvas]);
  return (id) => {
    pending.current = id;
  };
}
