import { describe, expect, it } from 'vitest';
import { runImportJobs } from '../../src/engine/import-jobs.ts';
import { insertRecord } from '../connections/helpers.ts';
import { dialects } from '../support/databases.ts';
import { BU, createWorld, ORG_ID, USERS, type World, type WorldUserKey } from '../support/world.ts';

/**
 * The import's dedupe compares a row's email only with the records the importing user may see (as Dynamics 365's
 * duplicate detection does): a "duplicate" answer about a record of another unit would tell a seller that this
 * person is a lead over there.
 */
async function importLeads(world: World, who: WorldUserKey, csv: string) {
  const response = await world.as(who, 'POST', '/api/records/import', { type: 'lead', csv });
  expect(response.statusCode, response.body).toBe(202);
  await runImportJobs({ store: world.store, clock: world.clock });
  const job = await world.as(who, 'GET', `/api/import-jobs/${response.json().jobId}`);
  expect(job.statusCode, job.body).toBe(200);
  return job.json() as {
    status: string;
    imported: number;
    duplicates: number;
    errors: { row: number; reasons: string[] }[];
  };
}

async function leadsWithEmail(world: World, email: string) {
  return world.store.db
    .selectFrom('records')
    .select(['owner_id', 'business_unit_id'])
    .where('org_id', '=', ORG_ID)
    .where('type', '=', 'lead')
    .where('email', '=', email)
    .orderBy('owner_id')
    .execute();
}

describe.each(dialects)('import dedupe within what the importer may see on %s', (dialect) => {
  it("a West seller's row with an East lead's email is imported, with no word of the East lead", async () => {
    const world = await createWorld(dialect);
    try {
      await insertRecord(world, { email: 'east.lead@customer.test', owner_id: USERS.eastSeller.id });
      await insertRecord(world, {
        email: 'west.colleague@customer.test',
        owner_id: USERS.westSeqManager.id,
        business_unit_id: BU.west,
      });
      const job = await importLeads(
        world,
        'westSeller',
        'Name,Email\nAnn,east.lead@customer.test\nBea,west.colleague@customer.test\n',
      );
      expect(job).toMatchObject({ status: 'done', imported: 2, duplicates: 0, errors: [] });
      expect(JSON.stringify(job)).not.toContain('exists already');
      expect(await leadsWithEmail(world, 'east.lead@customer.test')).toEqual([
        { owner_id: USERS.eastSeller.id, business_unit_id: BU.east },
        { owner_id: USERS.westSeller.id, business_unit_id: BU.west },
      ]);
      // The West seller sees only their new lead, the East one stays out of sight.
      const grid = (await world.as('westSeller', 'GET', '/api/records?type=lead')).json();
      expect(grid.items.map((r: { email: string }) => r.email).sort()).toEqual([
        'east.lead@customer.test',
        'west.colleague@customer.test',
      ]);
      expect(grid.items.every((r: { ownerId: string }) => r.ownerId === USERS.westSeller.id)).toBe(true);
    } finally {
      await world.close();
    }
  });

  it('a record the importer may see is still a duplicate: their own, or in the unit a manager manages', async () => {
    const world = await createWorld(dialect);
    try {
      await insertRecord(world, {
        email: 'mine@customer.test',
        owner_id: USERS.westSeller.id,
        business_unit_id: BU.west,
      });
      const own = await importLeads(world, 'westSeller', 'Name,Email\nMe,mine@customer.test\n');
      expect(own).toMatchObject({
        imported: 0,
        duplicates: 1,
        errors: [
          {
            row: 2,
            reasons: ['duplicate: a lead with email "mine@customer.test" exists already (not imported)'],
          },
        ],
      });
      // The West sequence manager sees the West unit's records, not the East ones.
      await insertRecord(world, { email: 'east.only@customer.test', owner_id: USERS.eastSeller.id });
      const manager = await importLeads(
        world,
        'westSeqManager',
        'Name,Email\nMe,mine@customer.test\nEo,east.only@customer.test\n',
      );
      expect(manager).toMatchObject({ imported: 1, duplicates: 1 });
      expect(manager.errors).toEqual([
        {
          row: 2,
          reasons: ['duplicate: a lead with email "mine@customer.test" exists already (not imported)'],
        },
      ]);
      expect(await leadsWithEmail(world, 'mine@customer.test')).toHaveLength(1);
      expect(await leadsWithEmail(world, 'east.only@customer.test')).toHaveLength(2);
    } finally {
      await world.close();
    }
  });

  it("an admin's import still dedupes across the whole organisation", async () => {
    const world = await createWorld(dialect);
    try {
      await insertRecord(world, {
        email: 'west.lead@customer.test',
        owner_id: USERS.westSeller.id,
        business_unit_id: BU.west,
      });
      await insertRecord(world, { email: 'east.lead@customer.test', owner_id: USERS.eastSeller.id });
      const job = await importLeads(
        world,
        'eastAdmin',
        'Name,Email\nW,west.lead@customer.test\nE,east.lead@customer.test\nN,new@customer.test\n',
      );
      expect(job).toMatchObject({ imported: 1, duplicates: 2 });
      expect(job.errors.map((e) => e.row)).toEqual([2, 3]);
      expect(await leadsWithEmail(world, 'west.lead@customer.test')).toHaveLength(1);
      expect(await leadsWithEmail(world, 'east.lead@customer.test')).toHaveLength(1);
    } finally {
      await world.close();
    }
  });
});
