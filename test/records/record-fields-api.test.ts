import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.ts';
import { createWorld, type World } from '../support/world.ts';
import { addLeadFields } from './lead-fields.ts';

describe.each(dialects)('record fields API on %s', (dialect) => {
  let world: World;
  beforeAll(async () => {
    world = await createWorld(dialect);
    await addLeadFields(world);
  });
  afterAll(() => world.close());

  it('lets admins manage record fields and everyone read them', async () => {
    const list = await world.as('eastSeller', 'GET', '/api/record-fields?recordType=lead');
    expect(list.json().items.map((f: { name: string }) => f.name)).toEqual([
      'leadSource',
      'budget',
      'newsletterOptIn',
    ]);
    const sellerCreate = await world.as('eastSeller', 'POST', '/api/record-fields', {
      recordType: 'lead',
      name: 'x',
      label: 'X',
      type: 'text',
    });
    expect(sellerCreate.statusCode).toBe(403);
    const dup = await world.as('eastAdmin', 'POST', '/api/record-fields', {
      recordType: 'lead',
      name: 'budget',
      label: 'Budget again',
      type: 'number',
    });
    expect(dup.statusCode).toBe(409);
    const core = await world.as('eastAdmin', 'POST', '/api/record-fields', {
      recordType: 'lead',
      name: 'email',
      label: 'Email',
      type: 'text',
    });
    expect(core.statusCode).toBe(400);
    const emptySet = await world.as('eastAdmin', 'POST', '/api/record-fields', {
      recordType: 'lead',
      name: 'region',
      label: 'Region',
      type: 'option_set',
    });
    expect(emptySet.statusCode).toBe(400);
    const fieldId = list.json().items[0].id as string;
    const renamed = await world.as('eastAdmin', 'PATCH', `/api/record-fields/${fieldId}`, {
      label: 'Source',
      options: [
        { value: 'web', label: 'Website' },
        { value: 'event', label: 'Event' },
        { value: 'partner', label: 'Partner' },
      ],
    });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json()).toMatchObject({ label: 'Source', name: 'leadSource' });
    const usePartner = await world.as('eastSeller', 'POST', '/api/records', {
      type: 'lead',
      name: 'Partner lead',
      custom: { leadSource: 'partner' },
    });
    expect(usePartner.statusCode, usePartner.body).toBe(201);
    expect(usePartner.json().custom).toEqual({ leadSource: 'partner' });
  });
});
