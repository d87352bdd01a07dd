import { describe, expect, it } from 'vitest';
import { createOrg } from '../../src/cli/commands/org-command.ts';
import { dialects } from '../support/databases.ts';
import { createWorld } from '../support/world.ts';

/**
 * `/api/metrics` counts the whole deployment (every organisation's outbox, connections, backlog, webhooks). An
 * organisation's admin may read it while theirs is the only organisation; once the server hosts several, the
 * figures belong to the operator (METRICS_TOKEN), not to one organisation's admin.
 */
const TOKEN = 'metrics-token-0123456789';

describe.each(dialects)('/api/metrics on a deployment with several organisations (%s)', (dialect) => {
  it("is the operator's, not one organisation's admin's", async () => {
    const world = await createWorld(dialect, { config: { metrics: { token: TOKEN, public: false } } });
    try {
      const alone = await world.as('eastAdmin', 'GET', '/api/metrics');
      expect(alone.statusCode).toBe(200);
      expect(alone.body).toContain('stepwise_outbox_messages');

      await createOrg(world.store, { name: 'Other Org' }, world.clock.now());
      for (const url of ['/api/metrics', '/metrics']) {
        const refused = await world.as('eastAdmin', 'GET', url);
        expect(refused.statusCode, url).toBe(403);
        expect(refused.json()).toMatchObject({ code: 'forbidden' });
        expect(refused.body).not.toContain('stepwise_outbox_messages');
        expect(refused.body).not.toContain('stepwise_connections');
      }
      const operator = await world.app.inject({
        method: 'GET',
        url: '/api/metrics',
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(operator.statusCode).toBe(200);
      expect(operator.body).toContain('stepwise_outbox_messages');
    } finally {
      await world.close();
    }
  });
});
