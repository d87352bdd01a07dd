import { describe, expect, it } from 'vitest';
import { CALLS_ONLY, engineOf, insertSequence, stepsOfRecord } from '../connections/helpers.ts';
import { dialects } from '../support/databases.ts';
import { createWorld, ORG_ID, USERS, type World } from '../support/world.ts';

/** Every way a connection ends from outside goes through `advance`: timeline, webhook, insights see it. */
describe.each(dialects)('connections end through advance on %s', (dialect) => {
  async function setUp(world: World) {
    const hook = await world.as('eastAdmin', 'POST', '/api/webhooks', {
      url: 'https://hooks.example.com/stepwise',
      events: ['connection.ended'],
    });
    expect(hook.statusCode).toBe(201);
    const { sequenceId } = await insertSequence(world, CALLS_ONLY);
    const created = await world.as('eastSeller', 'POST', '/api/records', { type: 'lead', name: 'Bo' });
    const recordId = created.json().id as string;
    expect(
      (await world.as('eastSeller', 'POST', `/api/records/${recordId}/connection`, { sequenceId }))
        .statusCode,
    ).toBe(201);
    return { sequenceId, recordId };
  }

  async function expectEnded(world: World, recordId: string, reason: string, actorId: string) {
    const connection = await world.store.db
      .selectFrom('connections')
      .selectAll()
      .where('org_id', '=', ORG_ID)
      .where('record_id', '=', recordId)
      .executeTakeFirstOrThrow();
    expect({ status: connection.status, reason: connection.reason }).toEqual({
      status: 'disconnected',
      reason,
    });
    const timeline = (await world.as('eastSeller', 'GET', `/api/records/${recordId}/timeline`)).json();
    const entry = timeline.items.find((e: { kind: string }) => e.kind === 'connection_disconnected');
    expect(entry, JSON.stringify(timeline.items)).toMatchObject({ actor: { id: actorId }, data: { reason } });
    const deliveries = await world.store.db
      .selectFrom('webhook_deliveries')
      .select(['event', 'payload_json'])
      .where('org_id', '=', ORG_ID)
      .execute();
    expect(deliveries.map((d) => d.event)).toEqual(['connection.ended']);
    expect(JSON.parse(deliveries[0]!.payload_json)).toMatchObject({
      event: 'connection.ended',
      data: { connectionId: connection.id, recordId, status: 'disconnected', reason },
    });
    expect((await stepsOfRecord(world, recordId)).map((s) => s.status)).toEqual(['canceled']);
    return connection;
  }

  it('a closed record exits with record_<status>', async () => {
    const world = await createWorld(dialect);
    const engine = engineOf(world);
    try {
      const { recordId } = await setUp(world);
      await engine.drain();
      expect(
        (await world.as('eastSeller', 'PATCH', `/api/records/${recordId}`, { status: 'qualified' }))
          .statusCode,
      ).toBe(200);
      await expectEnded(world, recordId, 'record_qualified', USERS.eastSeller.id);
    } finally {
      await engine.stop();
      await world.close();
    }
  });

  it('deactivating with "disconnect" exits with sequence_deactivated, and Insights count it', async () => {
    const world = await createWorld(dialect);
    const engine = engineOf(world);
    try {
      const { sequenceId, recordId } = await setUp(world);
      await engine.drain();
      const off = await world.as('eastAdmin', 'POST', `/api/sequences/${sequenceId}/deactivate`, {
        disconnectRecords: true,
      });
      expect(off.statusCode, off.body).toBe(200);
      expect(off.json().disconnected).toBe(1);
      await expectEnded(world, recordId, 'sequence_deactivated', USERS.eastAdmin.id);
      const insights = await world.as('eastAdmin', 'GET', `/api/sequences/${sequenceId}/insights`);
      expect(insights.json().connections).toMatchObject({ disconnected: 1, active: 0 });
      expect(insights.json().steps.find((s: { nodeId: string }) => s.nodeId === 'c1')).toMatchObject({
        canceled: 1,
        open: 0,
      });
    } finally {
      await engine.stop();
      await world.close();
    }
  });

  it('deleting a live sequence exits with sequence_deleted', async () => {
    const world = await createWorld(dialect);
    const engine = engineOf(world);
    try {
      const { sequenceId, recordId } = await setUp(world);
      await engine.drain();
      const gone = await world.as('eastAdmin', 'DELETE', `/api/sequences/${sequenceId}`);
      expect(gone.statusCode, gone.body).toBe(200);
      expect(gone.json()).toEqual({ deleted: true, disconnected: 1 });
      await expectEnded(world, recordId, 'sequence_deleted', USERS.eastAdmin.id);
      await engine.drain(); // nothing left to do for it
      expect((await stepsOfRecord(world, recordId)).map((s) => s.status)).toEqual(['canceled']);
    } finally {
      await engine.stop();
      await world.close();
    }
  });
});
