import { describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.ts';
import { BU, createWorld, USERS, type World, type WorldUserKey } from '../support/world.ts';
import { CALLS_ONLY, engineOf, insertRecord, insertSequence, stepsOfRecord } from './helpers.ts';

/**
 * A colleague holding a step of someone else's record changes: moved to another business unit, demoted, or
 * deactivated. The step stays theirs only while they may still work on the record (`decideRecord`); otherwise it
 * goes back to the record's owner, so no work list names a record its holder cannot open, and no step drops out of
 * every work list with a deactivated user.
 */
async function assignedStep(
  world: World,
  engine: ReturnType<typeof engineOf>,
  assignTo: WorldUserKey | { id: string },
) {
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
  const assigned = await world.as('eastSeller', 'POST', `/api/steps/${step.id}/assign`, {
    userId: typeof assignTo === 'string' ? USERS[assignTo].id : assignTo.id,
  });
  expect(assigned.statusCode, assigned.body).toBe(200);
  if (typeof assignTo === 'string') expect(await workListRecords(world, assignTo)).toEqual([recordId]);
  expect(await workListRecords(world, 'eastSeller')).toEqual([]);
  return { recordId, stepId: step.id };
}

async function workListRecords(world: World, who: WorldUserKey, ownerId?: string) {
  const url = ownerId ? `/api/worklist?ownerId=${ownerId}` : '/api/worklist';
  const response = await world.as(who, 'GET', url);
  expect(response.statusCode, response.body).toBe(200);
  return response.json().items.map((item: { record: { id: string } }) => item.record.id) as string[];
}

async function stepOwner(world: World, recordId: string, stepId: string) {
  return (await stepsOfRecord(world, recordId)).find((s) => s.id === stepId)?.owner_id;
}

async function changeUser(world: World, who: WorldUserKey | { id: string }, body: Record<string, unknown>) {
  const id = typeof who === 'string' ? USERS[who].id : who.id;
  const changed = await world.as('eastAdmin', 'PATCH', `/api/admin/users/${id}`, body);
  expect(changed.statusCode, changed.body).toBe(200);
}

describe.each(dialects)('a colleague holding a step changes on %s', (dialect) => {
  it("gives the step back to the record's owner when the colleague moves to another unit", async () => {
    const world = await createWorld(dialect);
    const engine = engineOf(world);
    try {
      const { recordId, stepId } = await assignedStep(world, engine, 'eastSeller2');
      await changeUser(world, 'eastSeller2', { businessUnitId: 'bu-west' });

      const stale = await world.as('eastSeller2', 'GET', '/api/worklist');
      expect(stale.json().items).toEqual([]);
      expect(stale.body).not.toContain('bravo@customer.test');
      expect(stale.body).not.toContain('Bravo Ltd');
      expect(await stepOwner(world, recordId, stepId)).toBe(USERS.eastSeller.id);
      expect(await workListRecords(world, 'eastSeller')).toEqual([recordId]);

      // The step stays the owner's when the engine writes it again (a snooze).
      const snoozed = await world.as('eastSeller', 'POST', `/api/steps/${stepId}/snooze`, {
        until: world.clock.now() + 3_600_000,
      });
      expect(snoozed.statusCode, snoozed.body).toBe(200);
      await engine.drain();
      expect(await stepOwner(world, recordId, stepId)).toBe(USERS.eastSeller.id);
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
      const { recordId, stepId } = await assignedStep(world, engine, 'eastSeller2');
      // East Enterprise lies below East: the record stays within the colleague's branch.
      await changeUser(world, 'eastSeller2', { businessUnitId: 'bu-east-ent', name: 'Still East' });
      expect(await stepOwner(world, recordId, stepId)).toBe(USERS.eastSeller2.id);
      expect(await workListRecords(world, 'eastSeller2')).toEqual([recordId]);
      expect(await workListRecords(world, 'eastSeller')).toEqual([]);
    } finally {
      await engine.stop();
      await world.close();
    }
  });

  it('gives the step back when an admin holding it is demoted and is outside the branch', async () => {
    const world = await createWorld(dialect);
    const engine = engineOf(world);
    try {
      const created = await world.as('eastAdmin', 'POST', '/api/admin/users', {
        email: 'west.admin@example.com',
        name: 'West Admin',
        roles: ['admin'],
        businessUnitId: 'bu-west',
        password: 'a long and unusual passphrase 42',
      });
      expect(created.statusCode, created.body).toBe(201);
      const westAdmin = { id: created.json().id as string };
      const { recordId, stepId } = await assignedStep(world, engine, westAdmin);
      expect(await stepOwner(world, recordId, stepId)).toBe(westAdmin.id);
      await changeUser(world, westAdmin, { roles: ['seller'] });
      expect(await stepOwner(world, recordId, stepId)).toBe(USERS.eastSeller.id);
      expect(await workListRecords(world, 'eastSeller')).toEqual([recordId]);
    } finally {
      await engine.stop();
      await world.close();
    }
  });

  it("gives a deactivated colleague's step back to the record's owner", async () => {
    const world = await createWorld(dialect);
    const engine = engineOf(world);
    try {
      const { recordId, stepId } = await assignedStep(world, engine, 'eastSeller2');
      await changeUser(world, 'eastSeller2', { active: false });
      expect(await stepOwner(world, recordId, stepId)).toBe(USERS.eastSeller.id);
      expect(await workListRecords(world, 'eastSeller')).toEqual([recordId]);
      // The owner works it.
      const done = await world.as('eastSeller', 'POST', `/api/steps/${stepId}/complete`, {
        outcome: 'connected',
      });
      expect(done.statusCode, done.body).toBe(200);
    } finally {
      await engine.stop();
      await world.close();
    }
  });

  it("keeps a deactivated owner's own steps in reach of their manager", async () => {
    const world = await createWorld(dialect);
    const engine = engineOf(world);
    try {
      const { recordId } = await assignedStep(world, engine, 'eastSeller2');
      await changeUser(world, 'eastSeller2', { active: false });
      await changeUser(world, 'eastSeller', { active: false });
      expect(await workListRecords(world, 'eastSalesManager', USERS.eastSeller.id)).toEqual([recordId]);
    } finally {
      await engine.stop();
      await world.close();
    }
  });

  it("gives the step back when the record's unit moves out of the colleague's branch", async () => {
    const world = await createWorld(dialect);
    const engine = engineOf(world);
    try {
      const sequence = await insertSequence(world, CALLS_ONLY, {
        name: 'Calls',
        ownerId: USERS.eastEntSeller.id,
        businessUnitId: BU.eastEnterprise,
      });
      const recordId = await insertRecord(world, {
        name: 'Enterprise Lead',
        email: 'ent@customer.test',
        owner_id: USERS.eastEntSeller.id,
        business_unit_id: BU.eastEnterprise,
      });
      const connected = await world.as('eastEntSeller', 'POST', `/api/records/${recordId}/connection`, {
        sequenceId: sequence.sequenceId,
      });
      expect(connected.statusCode, connected.body).toBe(201);
      await engine.drain();
      const step = (await stepsOfRecord(world, recordId)).find((s) => s.status === 'due')!;
      // East Enterprise lies below East: a colleague of East may take the step.
      const assigned = await world.as('eastEntSeller', 'POST', `/api/steps/${step.id}/assign`, {
        userId: USERS.eastSeller2.id,
      });
      expect(assigned.statusCode, assigned.body).toBe(200);
      expect(await workListRecords(world, 'eastSeller2')).toEqual([recordId]);

      const moved = await world.as('eastAdmin', 'PATCH', `/api/admin/business-units/${BU.eastEnterprise}`, {
        parentId: BU.west,
      });
      expect(moved.statusCode, moved.body).toBe(200);
      const stale = await world.as('eastSeller2', 'GET', '/api/worklist');
      expect(stale.json().items).toEqual([]);
      expect(stale.body).not.toContain('ent@customer.test');
      expect(await stepOwner(world, recordId, step.id)).toBe(USERS.eastEntSeller.id);
      expect(await workListRecords(world, 'eastEntSeller')).toEqual([recordId]);
    } finally {
      await engine.stop();
      await world.close();
    }
  });
});
