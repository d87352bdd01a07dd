import { describe, expect, it } from 'vitest';
import type { SequenceDefinition } from '../../src/domain/sequence/definition.ts';
import { dialects } from '../support/databases.ts';
import { createWorld, type World, type WorldUserKey } from '../support/world.ts';

/**
 * Session 11: a seller and a sequence manager both have the designer of the seller's sequence open. The manager
 * saves first; the seller's later save used to overwrite the manager's work without a word. A save that names the
 * draft it started from (`If-Match: <draftTag>`) is now refused when someone saved in between.
 */
const OPTIONS = {
  exitOnReply: true,
  skipNonWorkingDays: false,
  sendWindow: null,
  trackOpens: true,
  trackClicks: true,
};
const withStep = (name: string): SequenceDefinition => ({
  start: 'call',
  nodes: [{ id: 'call', kind: 'phone_call', name, next: null }],
  options: OPTIONS,
});

async function saveAs(
  world: World,
  user: WorldUserKey,
  id: string,
  definition: SequenceDefinition,
  tag?: string,
) {
  const session = await world.session(user);
  return world.app.inject({
    method: 'PUT',
    url: `/api/sequences/${id}/definition`,
    headers: {
      cookie: session.cookie,
      'x-csrf-token': session.csrf,
      ...(tag === undefined ? {} : { 'if-match': `"${tag}"` }),
    },
    payload: definition,
  });
}

describe.each(dialects)('saving a draft someone else changed, on %s', (dialect) => {
  it('refuses the stale save with draft_changed and keeps the colleague’s draft; a fresh tag saves', async () => {
    const world = await createWorld(dialect);
    try {
      const created = await world.as('eastSeller', 'POST', '/api/sequences', {
        name: 'Shared work',
        recordType: 'lead',
      });
      expect(created.statusCode, created.body).toBe(201);
      const id = created.json().id as string;
      const sellerTag = (await world.as('eastSeller', 'GET', `/api/sequences/${id}`)).json().draftTag;
      const managerTag = (await world.as('eastSeqManager', 'GET', `/api/sequences/${id}`)).json().draftTag;
      expect(typeof sellerTag).toBe('string');
      expect(managerTag).toBe(sellerTag);

      const manager = await saveAs(world, 'eastSeqManager', id, withStep('Manager call'), managerTag);
      expect(manager.statusCode, manager.body).toBe(200);
      expect(manager.json().draftTag).not.toBe(managerTag);

      const stale = await saveAs(world, 'eastSeller', id, withStep('Seller call'), sellerTag);
      expect(stale.statusCode, stale.body).toBe(409);
      expect(stale.json().code).toBe('draft_changed');
      const kept = (await world.as('eastSeller', 'GET', `/api/sequences/${id}`)).json();
      expect(kept.definition.nodes[0].name).toBe('Manager call');

      // Reloaded, the seller saves on top of the manager's draft; the tag follows each save.
      const fresh = await saveAs(world, 'eastSeller', id, withStep('Seller call'), kept.draftTag);
      expect(fresh.statusCode, fresh.body).toBe(200);
      const again = await saveAs(world, 'eastSeller', id, withStep('Seller call 2'), fresh.json().draftTag);
      expect(again.statusCode, again.body).toBe(200);

      // Integrations that send no If-Match save as before.
      const blind = await saveAs(world, 'eastSeqManager', id, withStep('Integration call'));
      expect(blind.statusCode, blind.body).toBe(200);
    } finally {
      await world.close();
    }
  });
});
