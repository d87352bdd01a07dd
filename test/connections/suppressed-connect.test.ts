import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSuppression } from '../../src/store/repos/suppressions-repo.ts';
import { dialects } from '../support/databases.ts';
import { createWorld, ORG_ID, type World } from '../support/world.ts';
import { CALL_EMAIL_TASK, CALLS_ONLY, insertRecord, insertSequence } from './helpers.ts';

describe.each(dialects)('connecting an address on the suppression list on %s', (dialect) => {
  let world: World;
  beforeAll(async () => {
    world = await createWorld(dialect);
  });
  afterAll(async () => {
    await world.close();
  });

  it('is refused with address_suppressed when the sequence sends email, and allowed when it does not', async () => {
    const { sequenceId } = await insertSequence(world, CALL_EMAIL_TASK);
    const { sequenceId: callsOnly } = await insertSequence(world, CALLS_ONLY);
    const bounced = await insertRecord(world, { email: 'Gone@Example.org' });
    const fine = await insertRecord(world, { email: 'here@example.org' });
    await addSuppression(world.store.db, {
      orgId: ORG_ID,
      address: 'gone@example.org',
      reason: 'hard_bounce',
      detail: '5.1.1 userunknown',
      outboundMessageId: null,
      createdBy: null,
      now: world.clock.now(),
    });

    const response = await world.as('eastSeller', 'POST', `/api/sequences/${sequenceId}/connections`, {
      recordIds: [bounced, fine],
    });
    expect(response.statusCode).toBe(200);
    const results = response.json().results as Array<{
      recordId: string;
      status: string;
      reason?: string;
      message?: string;
    }>;
    expect(results.find((r) => r.recordId === fine)?.status).toBe('connected');
    const refused = results.find((r) => r.recordId === bounced);
    expect(refused).toMatchObject({ status: 'refused', reason: 'address_suppressed' });
    expect(refused?.message).toMatch(/suppression list/);

    const single = await world.as('eastSeller', 'POST', `/api/records/${bounced}/connection`, { sequenceId });
    expect(single.statusCode).toBeGreaterThanOrEqual(400);
    expect(single.json().code).toBe('address_suppressed');

    const calls = await world.as('eastSeller', 'POST', `/api/records/${bounced}/connection`, {
      sequenceId: callsOnly,
    });
    expect(calls.statusCode).toBe(201);
  });
});
