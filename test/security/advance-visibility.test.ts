import { describe, expect, it } from 'vitest';
import {
  CALLS_ONLY,
  def,
  engineOf,
  insertRecord,
  insertSequence,
  stepsOfRecord,
} from '../connections/helpers.ts';
import { dialects } from '../support/databases.ts';
import { BU, createWorld, USERS, type World } from '../support/world.ts';

/** A task, then "advance to" `sequenceId`: what a seller would draw in the designer. */
const advancingTo = (sequenceId: string) =>
  def({
    start: 't',
    nodes: [
      { id: 't', kind: 'task', name: 'Prepare', next: 'adv' },
      { id: 'adv', kind: 'advance_sequence', sequenceId, next: null },
    ],
  });

async function westSequences(world: World) {
  const west = { ownerId: USERS.westSeller.id, businessUnitId: BU.west };
  return {
    active: await insertSequence(world, CALLS_ONLY, west),
    inactive: await insertSequence(world, CALLS_ONLY, { ...west, status: 'inactive' }),
    contacts: await insertSequence(world, CALLS_ONLY, { ...west, recordType: 'contact' }),
  };
}

async function newSequence(world: World): Promise<string> {
  const created = await world.as('eastSeller', 'POST', '/api/sequences', {
    name: 'Mine',
    recordType: 'lead',
  });
  expect(created.statusCode, created.body).toBe(201);
  return created.json().id as string;
}

type Problem = { code: string; nodeId: string | null; message: string };

describe.each(dialects)("advance to another unit's sequence on %s (issue 20 item 5)", (dialect) => {
  it('validation says the same thing for an invisible sequence as for one that does not exist', async () => {
    const world = await createWorld(dialect);
    try {
      const west = await westSequences(world);
      const id = await newSequence(world);
      const problemsFor = async (target: string) => {
        const saved = await world.as(
          'eastSeller',
          'PUT',
          `/api/sequences/${id}/definition`,
          advancingTo(target),
        );
        expect(saved.statusCode, saved.body).toBe(200);
        return (saved.json().problems as Problem[]).filter((p) => p.nodeId === 'adv');
      };
      const missing = await problemsFor('no-such-sequence');
      expect(missing).toHaveLength(1);
      expect(missing[0]!.code).toBe('advance_target_missing');
      // Active, inactive or for another record type: another unit's sequence is simply "not found or not visible".
      for (const target of [west.active, west.inactive, west.contacts]) {
        expect(await problemsFor(target.sequenceId)).toEqual(missing);
      }
      // The stored detail and activation say the same and refuse.
      const detail = await world.as('eastSeller', 'GET', `/api/sequences/${id}`);
      expect((detail.json().problems as Problem[]).filter((p) => p.nodeId === 'adv')).toEqual(missing);
      const activate = await world.as('eastSeller', 'POST', `/api/sequences/${id}/activate`, {});
      expect(activate.statusCode).toBe(422);
      expect(activate.json().code).toBe('validation_failed');
      expect((await world.as('eastSeller', 'GET', `/api/sequences/${id}`)).json().status).toBe('inactive');

      // A sequence of the seller's own unit is accepted, so the refusal above is about visibility.
      const own = await insertSequence(world, CALLS_ONLY, { ownerId: USERS.eastSeller2.id });
      expect(await problemsFor(own.sequenceId)).toEqual([]);
    } finally {
      await world.close();
    }
  });

  it('import does not keep a reference to a sequence the importer cannot see', async () => {
    const world = await createWorld(dialect);
    try {
      const west = await westSequences(world);
      const own = await insertSequence(world, CALLS_ONLY, { ownerId: USERS.eastSeller2.id });
      const id = await newSequence(world);
      await world.as('eastSeller', 'PUT', `/api/sequences/${id}/definition`, advancingTo(own.sequenceId));
      const exported = await world.as('eastSeller', 'GET', `/api/sequences/${id}/export`);
      expect(exported.statusCode).toBe(200);
      const document = exported.json();
      let copies = 0;
      const importWith = async (target: string) => {
        document.definition.nodes.find((n: { id: string }) => n.id === 'adv').sequenceId = target;
        const imported = await world.as('eastSeller', 'POST', '/api/sequences/import', {
          document,
          name: `Imported ${++copies}`,
        });
        expect(imported.statusCode, imported.body).toBe(201);
        const body = imported.json();
        return {
          target: body.definition.nodes.find((n: { id: string }) => n.id === 'adv').sequenceId,
          problems: (body.problems as Problem[]).filter((p) => p.nodeId === 'adv'),
          id: body.id as string,
        };
      };
      expect(await importWith(own.sequenceId)).toMatchObject({ target: own.sequenceId, problems: [] });
      const missing = await importWith('no-such-sequence');
      expect(missing.target).toBeNull();
      for (const target of [west.active, west.inactive, west.contacts]) {
        const result = await importWith(target.sequenceId);
        expect(result.target).toBeNull();
        expect(result.problems).toEqual(missing.problems);
        const activate = await world.as('eastSeller', 'POST', `/api/sequences/${result.id}/activate`, {});
        expect(activate.statusCode).toBe(422);
      }
    } finally {
      await world.close();
    }
  });

  it("the engine does not move a record into a sequence the running sequence's owner cannot see", async () => {
    const world = await createWorld(dialect);
    const engine = engineOf(world);
    try {
      const west = await westSequences(world);
      // Activated before this check existed (or written straight to the database): the engine still refuses.
      const leaking = await insertSequence(world, advancingTo(west.active.sequenceId));
      const recordId = await insertRecord(world, { email: null });
      const connected = await world.as('eastSeller', 'POST', `/api/records/${recordId}/connection`, {
        sequenceId: leaking.sequenceId,
      });
      expect(connected.statusCode, connected.body).toBe(201);
      await engine.drain();
      const [task] = await stepsOfRecord(world, recordId);
      expect(task?.status).toBe('due');
      const done = await world.as('eastSeller', 'POST', `/api/steps/${task!.id}/complete`, {});
      expect(done.statusCode, done.body).toBe(200);
      await engine.drain();

      const connections = await world.store.db
        .selectFrom('connections')
        .select(['sequence_id', 'status', 'reason'])
        .where('record_id', '=', recordId)
        .execute();
      expect(connections).toEqual([
        { sequence_id: leaking.sequenceId, status: 'failed', reason: 'advance_target_not_visible' },
      ]);
      const timeline = (await world.as('eastSeller', 'GET', `/api/records/${recordId}/timeline`)).json();
      expect(JSON.stringify(timeline.items)).toContain('advance_target_not_visible');
      // Nothing of the West sequence reaches the seller's work list.
      expect((await world.as('eastSeller', 'GET', '/api/worklist')).json().items).toEqual([]);
    } finally {
      await engine.stop();
      await world.close();
    }
  });
});
