import { describe, expect, it } from 'vitest';
import { newId } from '../../src/store/ids.ts';
import { def, engineOf, insertRecords, insertSequence } from '../connections/helpers.ts';
import { seedSequence } from '../mail/mail-fixtures.ts';
import { dialects } from '../support/databases.ts';
import { createWorld, ORG_ID, USERS, type World } from '../support/world.ts';

/** Manual override of an A/B winner: the chosen variant is what later records get, and Insights say who chose. */
async function abSequence(world: World) {
  const { templateId } = await seedSequence(world.store, world.clock.now());
  return insertSequence(
    world,
    def({
      start: 'mail',
      nodes: [
        {
          id: 'mail',
          kind: 'automated_email',
          name: 'Intro',
          templateId,
          abTest: {
            variants: [
              { id: 'A', templateId, split: 50 },
              { id: 'B', templateId, split: 50 },
            ],
            winnerMetric: 'replies',
            end: { type: 'auto', minRecipients: 1000 },
          },
          next: null,
        },
      ],
    }),
  );
}

describe.each(dialects)('A/B manual winner on %s', (dialect) => {
  it('an editor picks B by hand: Insights show it with who chose, and new records get only B', async () => {
    const world = await createWorld(dialect);
    const engine = engineOf(world);
    try {
      const { sequenceId } = await abSequence(world);
      const connect = async (count: number) => {
        const ids = await insertRecords(world, count, () => ({ email: `p${newId()}@example.com` }));
        const response = await world.as('eastSeller', 'POST', `/api/sequences/${sequenceId}/connections`, {
          recordIds: ids,
        });
        expect(response.statusCode, response.body).toBeLessThan(300);
        await engine.drain();
        const rows = await world.store.db
          .selectFrom('outbound_messages')
          .select('variant')
          .where('org_id', '=', ORG_ID)
          .where('record_id', 'in', ids)
          .execute();
        return rows.map((r) => r.variant);
      };
      const before = await connect(20);
      expect(new Set(before)).toEqual(new Set(['A', 'B']));

      const url = `/api/sequences/${sequenceId}/ab-tests/mail/winner`;
      expect((await world.as('westSeller', 'PUT', url, { variant: 'B' })).statusCode).toBe(404);
      const unknown = await world.as('eastSeller', 'PUT', url, { variant: 'Z' });
      expect([unknown.statusCode, unknown.json().code]).toEqual([400, 'unknown_variant']);
      expect(
        (
          await world.as('eastSeller', 'PUT', `/api/sequences/${sequenceId}/ab-tests/nope/winner`, {
            variant: 'B',
          })
        ).statusCode,
      ).toBe(404);
      const chosen = await world.as('eastSeller', 'PUT', url, { variant: 'B' });
      expect(chosen.statusCode, chosen.body).toBe(200);

      const insights = (await world.as('eastAdmin', 'GET', `/api/sequences/${sequenceId}/insights`)).json();
      expect(insights.abTests).toEqual([
        expect.objectContaining({
          nodeId: 'mail',
          winner: expect.objectContaining({ variant: 'B', decidedBy: USERS.eastSeller.id, z: null }),
        }),
      ]);
      const after = await connect(10);
      expect(after).toEqual(Array(10).fill('B'));

      // Changing one's mind: A from now on.
      expect((await world.as('eastSeller', 'PUT', url, { variant: 'A' })).statusCode).toBe(200);
      expect(await connect(5)).toEqual(Array(5).fill('A'));
    } finally {
      await engine.stop();
      await world.close();
    }
  });
});
