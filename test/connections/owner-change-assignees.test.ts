import { describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.ts';
import { BU, createWorld, USERS, type World, type WorldUserKey } from '../support/world.ts';
import { CALLS_ONLY, engineOf, insertRecord, insertSequence, stepsOfRecord } from './helpers.ts';

/**
 * A record changes owner while its due step is assigned to a colleague. The colleague keeps the step only while
 * they may still work on the record (`decideRecord`: the record within their branch of the unit tree); otherwise
 * the step goes to the new owner with the rest, so no work list names a record its holder cannot open.
 */
async function connectedWithStep(world: World, engine: ReturnType<typeof engineOf>, assignTo?: WorldUserKey) {
  const sequence = await insertSequence(world, CALLS_ONLY, { name: 'Calls' });
  const recordId = await insertRecord(world, {
    name: 'Bravo Lead',
    company: 'Bravo Ltd',
    email: 'bravo@customer.test',
  });
  const connected = await world.as('eastSeller', 'POST', `/api/records/${recordId}/connection`, {
    sequenceId: sequence.sequenceId,
  });
  expect(connected.statusCode).toBe(201);
  await engine.drain();
  const step = (await stepsOfRecord(world, recordId)).find((s) => s.status === 'due')!;
  if (assignTo) {
    const assigned = await world.as('eastSeller', 'POST', `/api/steps/${step.id}/assign`, {
      userId: USERS[assignTo].id,
    });
    expect(assigned.statusCode, assigned.body).toBe(200);
  }
  return { recordId, stepId: step.id };
}

async function workListRecords(world: World, who: WorldUserKey) {
  const response = await world.as(who, 'GET', '/api/worklist');
  expect(response.statusCode).toBe(200);
  return response.json().items.map((item: { record: { id: string } }) => item.record.id) as string[];
}

async function stepOwner(world: World, recordId: string, stepId: string) {
  return (await stepsOfRecord(world, recordId)).find((s) => s.id === stepId)?.owner_id;
}

describe.each(dialects)('an owner change and steps assigned to colleagues on %s', (dialect) => {
  it("moves a colleague's step to the new owner when the record leaves the colleague's branch", async () => {
    const world = await createWorld(dialect);
    const engine = engineOf(world);
    try {
      const { recordId, stepId } = await connectedWithStep(world, engine, 'eastSeller2');
      expect(await workListRecords(world, 'eastSeller2')).toEqual([recordId]);

      const moved = await world.as('eastAdmin', 'PATCH', `/api/records/${recordId}`, {
        ownerId: USERS.westSeller.id,
      });
      expect(moved.statusCode, moved.body).toBe(200);
      expect(moved.json().businessUnitId).toBe(BU.west);

      expect(await stepOwner(world, recordId, stepId)).toBe(USERS.westSeller.id);
      const stale = await world.as('eastSeller2', 'GET', '/api/worklist');
      expect(stale.json().items).toEqual([]);
      expect(stale.body).not.toContain('bravo@customer.test');
      expect(stale.body).not.toContain('Bravo Ltd');
      expect(await workListRecords(world, 'westSeller')).toEqual([recordId]);
      const timeline = (await world.as('westSeller', 'GET', `/api/records/${recordId}/timeline`)).json();
      const entry = timeline.items.find((e: { kind: string }) => e.kind === 'owner_changed');
      expect(entry?.data).toMatchObject({ from: USERS.eastSeller.id, to: USERS.westSeller.id, steps: 1 });

      // The step stays the new owner's when the engine writes it again (a snooze).
      const snoozed = await world.as('westSeller', 'POST', `/api/steps/${stepId}/snooze`, {
        until: world.clock.now() + 3_600_000,
      });
      expect(snoozed.statusCode, snoozed.body).toBe(200);
      await engine.drain();
      expect(await stepOwner(world, recordId, stepId)).toBe(USERS.westSeller.id);
      expect(await workListRecords(world, 'eastSeller2')).toEqual([]);
    } finally {
      await engine.stop();
      await world.close();
    }
  });

  it('leaves the step with a colleague who may still work on the record', async () => {
    const world = await createWorld(dialect);
    const engine = engineOf(world);
    try {
      const { recordId, stepId } = await connectedWithStep(world, engine, 'eastSeller2');
      // East Enterprise lies below East: the record stays within the colleague's branch.
      const moved = await world.as('eastAdmin', 'PATCH', `/api/records/${recordId}`, {
        ownerId: USERS.eastEntSeller.id,
      });
      expect(moved.statusCode, moved.body).toBe(200);
      expect(moved.json().businessUnitId).toBe(BU.eastEnterprise);

      expect(await stepOwner(world, recordId, stepId)).toBe(USERS.eastSeller2.id);
      expect(await workListRecords(world, 'eastSeller2')).toEqual([recordId]);
      expect(await workListRecords(world, 'eastEntSeller')).toEqual([]);
      expect((await world.as('eastSeller2', 'GET', `/api/records/${recordId}`)).statusCode).toBe(200);
    } finally {
      await engine.stop();
      await world.close();
    }
  });

  it("moves the previous owner's own steps as before", async () => {
    const world = await createWorld(dialect);
    const engine = engineOf(world);
    try {
      const { recordId, stepId } = await connectedWithStep(world, engine);
      expect(await workListRecords(world, 'eastSeller')).toEqual([recordId]);
      const moved = await world.as('eastAdmin', 'PATCH', `/api/records/${recordId}`, {
        ownerId: USERS.westSeller.id,
      });
      expect(moved.statusCode, moved.body).toBe(200);
      expect(await stepOwner(world, recordId, stepId)).toBe(USERS.westSeller.id);
      expect(await workListRecords(world, 'eastSeller')).toEqual([]);
      expect(await workListRecords(world, 'westSeller')).toEqual([recordId]);
    } finally {
      await engine.stop();
      await world.close();
    }
  });
});
