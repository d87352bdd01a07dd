import { describe, expect, it } from 'vitest';
import { CALLS_ONLY, insertSequence } from '../connections/helpers.ts';
import { dialects } from '../support/databases.ts';
import { BU, createWorld, USERS } from '../support/world.ts';

const rule = {
  combine: 'and',
  groups: [{ combine: 'and', conditions: [{ field: 'company', operator: 'contains', value: 'acme' }] }],
};

describe.each(dialects)('segments of another business unit on %s (issue 20 item 4)', (dialect) => {
  it("a sequence manager can neither list, read, change nor delete another unit's segments", async () => {
    const world = await createWorld(dialect);
    try {
      const west = await insertSequence(world, CALLS_ONLY, {
        ownerId: USERS.westSeller.id,
        businessUnitId: BU.west,
      });
      const east = await insertSequence(world, CALLS_ONLY);
      const created = await world.as('westSeqManager', 'POST', '/api/segments', {
        name: 'West leads',
        recordType: 'lead',
        rule,
        priority: 5,
        sequenceId: west.sequenceId,
      });
      expect(created.statusCode).toBe(201);
      const westSegment = created.json().id as string;
      const mine = await world.as('eastSeqManager', 'POST', '/api/segments', {
        name: 'East leads',
        recordType: 'lead',
        rule,
        priority: 1,
        sequenceId: east.sequenceId,
      });
      expect(mine.statusCode).toBe(201);

      const listed = await world.as('eastSeqManager', 'GET', '/api/segments');
      expect(listed.json().items.map((s: { name: string }) => s.name)).toEqual(['East leads']);
      for (const [method, body] of [
        ['GET', undefined],
        ['PATCH', { enabled: false }],
        ['PATCH', { name: 'Hijacked', sequenceId: east.sequenceId }],
        ['DELETE', undefined],
      ] as const) {
        const response = await world.as('eastSeqManager', method, `/api/segments/${westSegment}`, body);
        expect(response.statusCode, `${method} ${response.body}`).toBe(404);
        expect(response.json().code).toBe('not_found');
      }
      // Untouched, and still the West manager's (and visible to an admin).
      const still = await world.as('westSeqManager', 'GET', `/api/segments/${westSegment}`);
      expect(still.statusCode).toBe(200);
      expect(still.json()).toMatchObject({ name: 'West leads', enabled: true, sequenceId: west.sequenceId });
      const admin = await world.as('eastAdmin', 'GET', '/api/segments');
      expect(
        admin
          .json()
          .items.map((s: { name: string }) => s.name)
          .sort(),
      ).toEqual(['East leads', 'West leads']);
      // The owning unit can still change and delete its own.
      expect(
        (await world.as('westSeqManager', 'PATCH', `/api/segments/${westSegment}`, { enabled: false }))
          .statusCode,
      ).toBe(200);
      expect((await world.as('westSeqManager', 'DELETE', `/api/segments/${westSegment}`)).statusCode).toBe(
        204,
      );
    } finally {
      await world.close();
    }
  });
});
