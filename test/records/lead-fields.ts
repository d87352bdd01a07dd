import { expect } from 'vitest';
import type { World } from '../support/world.ts';

/** The custom lead fields the records tests use: an option set, a number and a two-options field. */
export async function addLeadFields(world: World): Promise<void> {
  const fields = [
    {
      recordType: 'lead',
      name: 'leadSource',
      label: 'Lead source',
      type: 'option_set',
      options: [
        { value: 'web', label: 'Web' },
        { value: 'event', label: 'Event' },
      ],
    },
    { recordType: 'lead', name: 'budget', label: 'Budget', type: 'number' },
    { recordType: 'lead', name: 'newsletterOptIn', label: 'Newsletter', type: 'two_options' },
  ];
  for (const field of fields) {
    world.clock.advance(1);
    const response = await world.as('eastAdmin', 'POST', '/api/record-fields', field);
    expect(response.statusCode, response.body).toBe(201);
  }
}
