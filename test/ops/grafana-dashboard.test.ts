import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { dialects } from '../support/databases.ts';
import { declaredMetrics } from '../support/metrics-text.ts';
import { createWorld } from '../support/world.ts';

const DASHBOARD = resolve(import.meta.dirname, '../../deploy/grafana/stepwise.json');

const Target = z.object({ refId: z.string(), expr: z.string().min(1) });
const Panel = z.object({
  id: z.number().int(),
  type: z.string(),
  title: z.string().min(1),
  gridPos: z.object({ x: z.number(), y: z.number(), w: z.number(), h: z.number() }),
  targets: z.array(Target).optional(),
});
const Dashboard = z.object({ title: z.string(), uid: z.string(), panels: z.array(Panel).min(1) });

function dashboard() {
  return Dashboard.parse(JSON.parse(readFileSync(DASHBOARD, 'utf8')));
}

/** Every `stepwise_…` metric a dashboard query names. */
function queriedMetrics(): Set<string> {
  const names = new Set<string>();
  for (const panel of dashboard().panels)
    for (const target of panel.targets ?? [])
      for (const match of target.expr.matchAll(/\bstepwise_[a-z0-9_]+\b/g)) names.add(match[0]);
  return names;
}

describe('the Grafana dashboard', () => {
  it('is an importable dashboard: unique panel ids, every graph has a query', () => {
    const { panels } = dashboard();
    expect(new Set(panels.map((panel) => panel.id)).size).toBe(panels.length);
    for (const panel of panels.filter((p) => p.type !== 'row'))
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
    expect(queriedMetrics().size).toBeGreaterThanOrEqual(10);
  });
});

describe.each(dialects)('the Grafana dashboard against /api/metrics on %s', (dialect) => {
  it('queries only metrics that Stepwise exports', async () => {
    const world = await createWorld(dialect, { config: { metrics: { token: undefined, public: true } } });
    try {
      const response = await world.app.inject({ method: 'GET', url: '/api/metrics' });
      expect(response.statusCode).toBe(200);
      const exported = declaredMetrics(response.body);
      const missing = [...queriedMetrics()].filter((name) => !exported.has(name));
      expect(missing).toEqual([]);
    } finally {
      await world.close();
    }
  });
});
