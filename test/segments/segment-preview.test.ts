import { describe, expect, it } from 'vitest';
import { insertRecord, insertRecords } from '../connections/helpers.ts';
import { dialects } from '../support/databases.ts';
import { BU, createWorld, USERS } from '../support/world.ts';

/** Company is Globex AND the job title contains "cto" (case-insensitive, as segments compare). */
const rule = {
  combine: 'and',
  groups: [
    {
      combine: 'and',
      conditions: [
        { field: 'company', operator: 'eq', value: 'Globex' },
        { field: 'job_title', operator: 'contains', value: 'cto' },
      ],
    },
  ],
};

const pad = (i: number) => String(i).padStart(4, '0');

describe.each(dialects)('segment preview on %s (issue 15 item 16)', (dialect) => {
  it('counts the open, visible records the rule matches across batches, and names the first page', async () => {
    const world = await createWorld(dialect);
    try {
      // 1,205 open leads of the East seller: Globex every 3rd, a CTO every 2nd, so both every 6th (201).
      await insertRecords(world, 1205, (i) => ({
        name: `Lead ${pad(i)}`,
        company: i % 3 === 0 ? 'Globex' : 'Initech',
        job_title: i % 2 === 0 ? 'CTO' : 'Sales',
      }));
      const expected = Array.from({ length: 1205 }, (_, i) => i)
        .filter((i) => i % 6 === 0)
        .map((i) => `Lead ${pad(i)}`);
      // Matching, but never connected by a segment: a won lead and a contact.
      await insertRecord(world, { name: 'Won lead', company: 'Globex', job_title: 'CTO', status: 'won' });
      await insertRecord(world, { name: 'A contact', type: 'contact', company: 'Globex', job_title: 'cto' });
      // Matching, but in the West unit: the East sequence manager does not see it, an admin does.
      await insertRecord(world, {
        name: 'West lead',
        company: 'globex',
        job_title: 'Deputy CTO',
        owner_id: USERS.westSeller.id,
        business_unit_id: BU.west,
      });

      const east = await world.as('eastSeqManager', 'POST', '/api/segments/preview', {
        recordType: 'lead',
        rule,
      });
      expect(east.statusCode, east.body).toBe(200);
      expect(east.json().count).toBe(expected.length);
      expect(east.json().items.map((r: { name: string }) => r.name)).toEqual(expected.slice(0, 20));

      const admin = await world.as('eastAdmin', 'POST', '/api/segments/preview', {
        recordType: 'lead',
        rule,
        limit: 3,
      });
      expect(admin.json().count).toBe(expected.length + 1);
      expect(admin.json().items).toHaveLength(3);

      // Either group may match (OR of groups): adds every Initech lead whose title is "Sales".
      const either = await world.as('eastSeqManager', 'POST', '/api/segments/preview', {
        recordType: 'lead',
        rule: {
          combine: 'or',
          groups: [
            rule.groups[0],
            { combine: 'and', conditions: [{ field: 'job_title', operator: 'eq', value: 'sales' }] },
          ],
        },
      });
      expect(either.json().count).toBe(expected.length + 602);

      // A field the record type does not have makes the rule unanswerable: nothing matches.
      const unknown = await world.as('eastSeqManager', 'POST', '/api/segments/preview', {
        recordType: 'lead',
        rule: {
          combine: 'and',
          groups: [{ combine: 'and', conditions: [{ field: 'shoeSize', operator: 'is_empty' }] }],
        },
      });
      expect(unknown.json()).toEqual({ count: 0, items: [] });
    } finally {
      await world.close();
    }
  });

  it('refuses sellers and invalid rules with problem+json', async () => {
    const world = await createWorld(dialect);
    try {
      const seller = await world.as('eastSeller', 'POST', '/api/segments/preview', {
        recordType: 'lead',
        rule,
      });
      expect(seller.statusCode).toBe(403);
      expect(seller.headers['content-type']).toContain('application/problem+json');
      expect(seller.json().code).toBe('forbidden');

      const empty = await world.as('eastSeqManager', 'POST', '/api/segments/preview', {
        recordType: 'lead',
        rule: { combine: 'and', groups: [] },
      });
      expect(empty.statusCode).toBe(400);
      expect(empty.headers['content-type']).toContain('application/problem+json');
      expect(empty.json().code).toBe('validation_failed');
      expect(empty.json().problems[0].path).toEqual(['body', 'rule', 'groups']);

      const badType = await world.as('eastSeqManager', 'POST', '/api/segments/preview', {
        recordType: 'planet',
        rule,
        extra: true,
      });
      expect(badType.statusCode).toBe(400);
    } finally {
      await world.close();
    }
  });
});
