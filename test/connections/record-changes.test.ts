import { describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.ts';
import { createWorld, USERS } from '../support/world.ts';
import { CALLS_ONLY, count, engineOf, insertSequence, liveConnection, stepsOfRecord } from './helpers.ts';

const rule = (field: string, operator: string, value?: unknown) => ({
  combine: 'and',
  groups: [{ combine: 'and', conditions: [{ field, operator, ...(value === undefined ? {} : { value }) }] }],
});

describe.each(dialects)('record changes and segments on %s', (dialect) => {
  it('disconnects closed records, moves open steps to a new owner', async () => {
    const world = await createWorld(dialect);
    const engine = engineOf(world);
    try {
      const { sequenceId } = await insertSequence(world, CALLS_ONLY);
      const create = async (name: string) => {
        const created = await world.as('eastSeller', 'POST', '/api/records', { type: 'lead', name });
        expect(created.statusCode).toBe(201);
        const id = created.json().id as string;
        expect(
          (await world.as('eastSeller', 'POST', `/api/records/${id}/connection`, { sequenceId })).statusCode,
        ).toBe(201);
        return id;
      };
      const won = await create('Will qualify');
      const moved = await create('Will move');
      await engine.drain();

      const patch = await world.as('eastSeller', 'PATCH', `/api/records/${won}`, { status: 'qualified' });
      expect(patch.statusCode).toBe(200);
      expect(await liveConnection(world, won)).toBeUndefined();
      const ended = await world.store.db
        .selectFrom('connections')
        .select(['status', 'reason'])
        .where('record_id', '=', won)
        .executeTakeFirstOrThrow();
      expect(ended).toEqual({ status: 'disconnected', reason: 'record_qualified' });
      expect((await stepsOfRecord(world, won)).map((s) => s.status)).toEqual(['canceled']);
      const timeline = (await world.as('eastSeller', 'GET', `/api/records/${won}/timeline`)).json();
      const entry = timeline.items.find((e: { kind: string }) => e.kind === 'connection_disconnected');
      expect(entry, JSON.stringify(timeline.items)).toMatchObject({ actor: { id: USERS.eastSeller.id } });
      expect(entry.data.reason).toBe('record_qualified');
      // Nothing is left for the engine to do on it.
      await engine.drain();
      expect((await stepsOfRecord(world, won)).map((s) => s.status)).toEqual(['canceled']);

      const handOver = await world.as('eastSalesManager', 'PATCH', `/api/records/${moved}`, {
        ownerId: USERS.eastSeller2.id,
      });
      expect(handOver.statusCode).toBe(200);
      expect((await liveConnection(world, moved))?.owner_id).toBe(USERS.eastSeller2.id);
      const list = (await world.as('eastSeller2', 'GET', '/api/worklist')).json();
      expect(list.items.map((i: { record: { id: string } }) => i.record.id)).toEqual([moved]);
      expect((await world.as('eastSeller', 'GET', '/api/worklist')).json().items).toEqual([]);
      // The next step goes to the new owner as well.
      const step = (await stepsOfRecord(world, moved))[0]!;
      const completed = await world.as('eastSeller2', 'POST', `/api/steps/${step.id}/complete`, {
        outcome: 'busy',
      });
      expect(completed.statusCode, completed.body).toBe(200);
      const next = (await stepsOfRecord(world, moved)).find((s) => s.node_id === 'c2');
      expect([next?.status, next?.owner_id]).toEqual(['due', USERS.eastSeller2.id]);
    } finally {
      await engine.stop();
      await world.close();
    }
  });

  it('segments connect matching open records, the highest priority wins', async () => {
    const world = await createWorld(dialect);
    try {
      const general = await insertSequence(world, CALLS_ONLY, { name: 'General' });
      const executives = await insertSequence(world, CALLS_ONLY, { name: 'Executives' });
      const contacts = await insertSequence(world, CALLS_ONLY, { name: 'Contacts', recordType: 'contact' });

      // Only sequence managers and admins manage segments; input is checked.
      const seller = await world.as('eastSeller', 'POST', '/api/segments', {
        name: 'x',
        recordType: 'lead',
        rule: rule('company', 'contains', 'acme'),
        priority: 1,
        sequenceId: general.sequenceId,
      });
      expect(seller.statusCode).toBe(403);
      const before = await count(world, 'segments');
      const bad = await world.as('eastSeqManager', 'POST', '/api/segments', {
        name: 'x',
        recordType: 'lead',
        rule: { combine: 'and', groups: [] },
        priority: -1,
        sequenceId: general.sequenceId,
      });
      expect(bad.statusCode).toBe(400);
      const paths = bad.json().problems.map((p: { path: string[] }) => p.path.join('.'));
      expect(paths).toEqual(expect.arrayContaining(['body.rule.groups', 'body.priority']));
      const wrongType = await world.as('eastSeqManager', 'POST', '/api/segments', {
        name: 'Wrong',
        recordType: 'lead',
        rule: rule('company', 'is_not_empty'),
        priority: 1,
        sequenceId: contacts.sequenceId,
      });
      expect(wrongType.statusCode).toBe(422);
      expect(wrongType.json().problems[0].path).toEqual(['body', 'sequenceId']);
      expect(await count(world, 'segments')).toBe(before);

      const low = await world.as('eastSeqManager', 'POST', '/api/segments', {
        name: 'Acme leads',
        recordType: 'lead',
        rule: rule('company', 'contains', 'acme'),
        priority: 1,
        sequenceId: general.sequenceId,
      });
      expect(low.statusCode).toBe(201);
      const high = await world.as('eastSeqManager', 'POST', '/api/segments', {
        name: 'Acme executives',
        recordType: 'lead',
        rule: {
          combine: 'and',
          groups: [
            { combine: 'and', conditions: [{ field: 'company', operator: 'contains', value: 'acme' }] },
            {
              combine: 'or',
              conditions: [
                { field: 'job_title', operator: 'eq', value: 'CTO' },
                { field: 'job_title', operator: 'eq', value: 'CEO' },
              ],
            },
          ],
        },
        priority: 10,
        sequenceId: executives.sequenceId,
      });
      expect(high.statusCode).toBe(201);
      const listed = (await world.as('eastSeqManager', 'GET', '/api/segments')).json();
      expect(listed.items.map((s: { name: string }) => s.name)).toEqual(['Acme executives', 'Acme leads']);

      const create = async (body: Record<string, unknown>) => {
        const response = await world.as('eastSeller', 'POST', '/api/records', { type: 'lead', ...body });
        expect(response.statusCode, response.body).toBe(201);
        return response.json().id as string;
      };
      const ceo = await create({ name: 'Boss', company: 'ACME Corp', jobTitle: 'CEO' });
      const clerk = await create({ name: 'Clerk', company: 'Acme Corp', jobTitle: 'Clerk' });
      const other = await create({ name: 'Other', company: 'Globex' });
      const closed = await create({ name: 'Closed', company: 'Acme', status: 'disqualified' });
      expect((await liveConnection(world, ceo))?.sequence_id).toBe(executives.sequenceId);
      expect((await liveConnection(world, clerk))?.sequence_id).toBe(general.sequenceId);
      expect(await liveConnection(world, other)).toBeUndefined();
      expect(await liveConnection(world, closed)).toBeUndefined();

      // Re-evaluated on change: Globex is bought by Acme.
      await world.as('eastSeller', 'PATCH', `/api/records/${other}`, {
        company: 'Acme Globex',
        jobTitle: 'CTO',
      });
      expect((await liveConnection(world, other))?.sequence_id).toBe(executives.sequenceId);
      // An already connected record stays where it is.
      await world.as('eastSeller', 'PATCH', `/api/records/${clerk}`, { jobTitle: 'CEO' });
      expect((await liveConnection(world, clerk))?.sequence_id).toBe(general.sequenceId);

      // Switched off, the executives segment no longer takes records.
      const off = await world.as('eastSeqManager', 'PATCH', `/api/segments/${high.json().id}`, {
        enabled: false,
      });
      expect(off.json().enabled).toBe(false);
      const cto = await create({ name: 'Tech', company: 'Acme', jobTitle: 'CTO' });
      expect((await liveConnection(world, cto))?.sequence_id).toBe(general.sequenceId);
      expect((await world.as('eastSeqManager', 'DELETE', `/api/segments/${low.json().id}`)).statusCode).toBe(
        204,
      );
      const nobody = await create({ name: 'Late', company: 'Acme' });
      expect(await liveConnection(world, nobody)).toBeUndefined();
    } finally {
      await world.close();
    }
  });
});
