import { describe, expect, it } from 'vitest';
import { runImportJobs } from '../../src/engine/import-jobs.ts';
import { createWorld, USERS, type World } from '../support/world.ts';

async function importCsv(world: World, csv: string, ownerId?: string) {
  const session = await world.session('eastSeller');
  const query = ownerId ? `&ownerId=${encodeURIComponent(ownerId)}` : '';
  return world.app.inject({
    method: 'POST',
    url: `/api/records/import?type=lead${query}`,
    headers: { cookie: session.cookie, 'x-csrf-token': session.csrf, 'content-type': 'text/csv' },
    payload: csv,
  });
}

describe('CSV import does not reveal who has an account in another unit (issue 20 item 11)', () => {
  it('owner column: "no such user" and "user of another unit" read the same', async () => {
    const world = await createWorld('sqlite');
    try {
      const response = await importCsv(
        world,
        'Name,Owner\nAnn,west.seller@example.com\nBob,nobody@example.com\nCid,WEST.SELLER@example.com\n',
      );
      expect(response.statusCode, response.body).toBe(202);
      await runImportJobs({ store: world.store, clock: world.clock });
      const job = await world.as('eastSeller', 'GET', `/api/import-jobs/${response.json().jobId}`);
      const errors = job.json().errors as { row: number; reasons: string[] }[];
      const normalise = (reason: string) => reason.replace(/"[^"]*"/, '"…"');
      expect(errors.map((e) => e.reasons.map(normalise))).toEqual([
        ['owner "…" is not a user you may give records to'],
        ['owner "…" is not a user you may give records to'],
        ['owner "…" is not a user you may give records to'],
      ]);
      expect(job.json().imported).toBe(0);
    } finally {
      await world.close();
    }
  });

  it("default owner: an unknown id and another unit's user get the same answer", async () => {
    const world = await createWorld('sqlite');
    try {
      const other = await importCsv(world, 'Name\nAnn\n', USERS.westSeller.id);
      const unknown = await importCsv(world, 'Name\nAnn\n', 'u-nobody');
      expect(other.statusCode).toBe(unknown.statusCode);
      const shape = (r: typeof other) => {
        const { requestId: _, ...rest } = r.json();
        return rest;
      };
      expect(shape(other)).toEqual(shape(unknown));
      expect(shape(unknown)).toMatchObject({ status: 400, problems: [{ code: 'unknown_owner' }] });
    } finally {
      await world.close();
    }
  });
});
