import { afterEach, describe, expect, it } from 'vitest';
import { newId } from '../../src/store/ids.ts';
import { dialects } from '../support/databases.ts';
import { BU, createWorld, ORG_ID, USERS, type World } from '../support/world.ts';
import { CALLS_ONLY, insertRecord, insertSequence } from './helpers.ts';

describe.each(dialects)('Up next: sequences to connect to on %s', (dialect) => {
  let world: World;
  afterEach(async () => world?.close());

  it('offers every sequence the seller may connect to, even behind 500 others they may not', async () => {
    world = await createWorld(dialect);
    const now = world.clock.now();
    // 520 live lead sequences of another business unit, named so they all sort first.
    const rows = Array.from({ length: 520 }, (_, i) => ({
      org_id: ORG_ID,
      id: newId(now),
      name: `A west ${String(i).padStart(3, '0')}`,
      description: '',
      record_type: 'lead' as const,
      owner_id: USERS.westSeller.id,
      business_unit_id: BU.west,
      status: 'active' as const,
      draft_json: JSON.stringify(CALLS_ONLY),
      active_version_id: newId(now),
      is_template: 0 as const,
      created_at: now,
      updated_at: now,
    }));
    for (let i = 0; i < rows.length; i += 100) {
      await world.store.db
        .insertInto('sequences')
        .values(rows.slice(i, i + 100))
        .execute();
    }
    await insertSequence(world, CALLS_ONLY, { name: 'Z east calls' });
    const shared = await insertSequence(world, CALLS_ONLY, {
      name: 'Z west shared',
      ownerId: USERS.westSeller.id,
      businessUnitId: BU.west,
    });
    await world.store.db
      .insertInto('sequence_shares')
      .values({
        org_id: ORG_ID,
        sequence_id: shared.sequenceId,
        principal_type: 'business_unit',
        principal_id: BU.east,
        created_at: now,
      })
      .execute();
    const record = await insertRecord(world);

    const upNext = await world.as('eastSeller', 'GET', `/api/records/${record}/up-next`);
    expect(upNext.statusCode).toBe(200);
    expect(upNext.json().availableSequences.map((s: { name: string }) => s.name)).toEqual([
      'Z east calls',
      'Z west shared',
    ]);
    // The west seller may connect to all of theirs, not to the east one they cannot see.
    const west = await insertRecord(world, { owner_id: USERS.westSeller.id, business_unit_id: BU.west });
    const westNext = (await world.as('westSeller', 'GET', `/api/records/${west}/up-next`)).json();
    expect(westNext.availableSequences).toHaveLength(521);
    expect(westNext.availableSequences.at(-1).name).toBe('Z west shared');
  });
});
