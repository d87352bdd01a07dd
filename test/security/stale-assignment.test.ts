import { describe, expect, it } from 'vitest';
import { CALLS_ONLY, engineOf, insertRecord, insertSequence, stepsOfRecord } from '../connections/helpers.ts';
import { dialects } from '../support/databases.ts';
import { BU, createWorld, USERS, type World } from '../support/world.ts';

/**
 * A manual step handed to a colleague lets them see the record and work that step. The hand-over is allowed only
 * within the record's branch of the business-unit tree, and that must keep holding: when the record moves to
 * another unit, or the colleague does, the old assignment must not keep a door open into another unit's record.
 */
async function assignedCall(world: World) {
  const engine = engineOf(world);
  const sequence = await insertSequence(world, CALLS_ONLY, { name: 'Calls' });
  const recordId = await insertRecord(world, { name: 'Bravo', email: 'bravo@customer.test' });
  const connected = await world.as('eastSeller', 'POST', `/api/records/${recordId}/connection`, {
    sequenceId: sequence.sequenceId,
  });
  expect(connected.statusCode).toBe(201);
  await engine.drain();
  const step = (await stepsOfRecord(world, recordId)).find((s) => s.status === 'due')!;
  const assigned = await world.as('eastSeller', 'POST', `/api/steps/${step.id}/assign`, {
    userId: USERS.eastSeller2.id,
  });
  expect(assigned.statusCode).toBe(200);
  // While it holds, the colleague sees the record and works the step.
  expect((await world.as('eastSeller2', 'GET', `/api/records/${recordId}`)).statusCode).toBe(200);
  expect((await world.as('eastSeller2', 'POST', `/api/steps/${step.id}/read`, {})).statusCode).toBe(200);
  return { recordId, stepId: step.id };
}

async function expectNoAccess(world: World, recordId: string, stepId: string) {
  for (const url of [`/api/records/${recordId}`, `/api/records/${recordId}/timeline`]) {
    const response = await world.as('eastSeller2', 'GET', url);
    expect(response.statusCode, url).toBe(404);
    expect(response.body).not.toContain('bravo@customer.test');
  }
  for (const action of ['read', 'complete', 'skip']) {
    const body = action === 'complete' ? { outcome: 'connected' } : {};
    const response = await world.as('eastSeller2', 'POST', `/api/steps/${stepId}/${action}`, body);
    expect(response.statusCode, action).toBe(404);
  }
}

describe.each(dialects)('a step assigned to a colleague of another unit on %s', (dialect) => {
  it('gives no access to the record once the record has moved to another unit', async () => {
    const world = await createWorld(dialect);
    try {
      const { recordId, stepId } = await assignedCall(world);
      const moved = await world.as('eastAdmin', 'PATCH', `/api/records/${recordId}`, {
        ownerId: USERS.westSeller.id,
      });
      expect(moved.json().businessUnitId).toBe(BU.west);
      await expectNoAccess(world, recordId, stepId);
      // The record's new owner still works the step.
      expect((await world.as('westSeller', 'POST', `/api/steps/${stepId}/read`, {})).statusCode).toBe(200);
    } finally {
      await world.close();
    }
  });

  it('gives no access to the record once the colleague has moved to another unit', async () => {
    const world = await createWorld(dialect);
    try {
      const { recordId, stepId } = await assignedCall(world);
      const moved = await world.as('eastAdmin', 'PATCH', `/api/admin/users/${USERS.eastSeller2.id}`, {
        businessUnitId: BU.west,
      });
      expect(moved.statusCode).toBe(200);
      await expectNoAccess(world, recordId, stepId);
    } finally {
      await world.close();
    }
  });
});
