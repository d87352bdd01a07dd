import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.ts';
import { createWorld, USERS, type World } from '../support/world.ts';

describe.each(dialects)('colleague directory on %s', (dialect) => {
  let world: World;
  beforeAll(async () => {
    world = await createWorld(dialect);
  });
  afterAll(() => world.close());

  it('lists colleagues of the business unit and the units below it, never another unit', async () => {
    const response = await world.as('eastSeller', 'GET', '/api/users');
    expect(response.statusCode).toBe(200);
    const ids = response.json().items.map((u: { id: string }) => u.id);
    expect(ids).toContain(USERS.eastSeller2.id);
    expect(ids).toContain(USERS.eastEntSeller.id);
    expect(ids).not.toContain(USERS.westSeller.id);
    const west = await world.as('westSeller', 'GET', '/api/users');
    expect(west.json().items.map((u: { id: string }) => u.id)).not.toContain(USERS.eastSeller.id);
  });

  it('lets admins see everyone, searches by name or email, and rejects bad input', async () => {
    const all = await world.as('eastAdmin', 'GET', '/api/users');
    expect(all.json().items.map((u: { id: string }) => u.id)).toContain(USERS.westSeller.id);
    const found = await world.as('eastAdmin', 'GET', '/api/users?q=WEST.SEQ');
    expect(found.json().items).toEqual([
      expect.objectContaining({ id: USERS.westSeqManager.id, roles: ['sequence_manager'] }),
    ]);
    const bad = await world.as('eastAdmin', 'GET', '/api/users?limit=0&extra=1');
    expect(bad.statusCode).toBe(400);
  });
});
