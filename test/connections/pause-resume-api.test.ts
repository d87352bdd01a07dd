import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.ts';
import { createWorld, USERS, type World } from '../support/world.ts';
import { CALL_EMAIL_TASK, insertRecord, insertRecords, insertSequence, liveConnection } from './helpers.ts';

/** Pausing with a reason, one and many: the reason is shown with the connection until it is resumed. */
describe.each(dialects)('pausing and resuming connections on %s', (dialect) => {
  let world: World;
  beforeAll(async () => {
    world = await createWorld(dialect);
  });
  afterAll(async () => {
    await world.close();
  });

  interface Row {
    connectionId: string;
    record: { id: string };
    status: string;
    pause: { note: string | null; by: { id: string } | null } | null;
  }
  const listed = async (sequenceId: string) =>
    new Map(
      (await world.as('eastSeller', 'GET', `/api/sequences/${sequenceId}/connections`))
        .json()
        .items.map((row: Row) => [row.record.id, row]),
    ) as Map<string, Row>;

  it('bulk pause needs a reason, pauses only what the seller may act on, and each pause shows its reason', async () => {
    const { sequenceId } = await insertSequence(world, CALL_EMAIL_TASK);
    const [a, b, c] = (await insertRecords(world, 3)) as [string, string, string];
    const colleague = await insertRecord(world, { owner_id: USERS.eastSeller2.id });
    const connected = await world.as('eastSeller', 'POST', `/api/sequences/${sequenceId}/connections`, {
      recordIds: [a, b, c],
    });
    expect(connected.json().connected).toBe(3);
    const colleagueConnected = await world.as('eastSeller2', 'POST', `/api/records/${colleague}/connection`, {
      sequenceId,
    });
    expect(colleagueConnected.statusCode).toBe(201);
    const [ca, cb, cw] = await Promise.all(
      [a, b, colleague].map(async (id) => (await liveConnection(world, id))!.id),
    );

    const noReason = await world.as('eastSeller', 'POST', '/api/connections/pause', {
      connectionIds: [ca, cb],
      note: '  ',
    });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.headers['content-type']).toContain('application/problem+json');
    expect((await listed(sequenceId)).get(a)?.status).toBe('active');

    const paused = await world.as('eastSeller', 'POST', '/api/connections/pause', {
      connectionIds: [ca, cb, cw, 'no-such-connection'],
      note: 'Out of office until Monday',
    });
    expect(paused.statusCode).toBe(200);
    expect(paused.json()).toEqual({
      changed: 2,
      results: [
        { connectionId: ca, status: 'paused' },
        { connectionId: cb, status: 'paused' },
        { connectionId: cw, status: 'not_found' },
        { connectionId: 'no-such-connection', status: 'not_found' },
      ],
    });
    const rows = await listed(sequenceId);
    expect(rows.get(a)).toMatchObject({
      status: 'paused',
      pause: { note: 'Out of office until Monday', by: { id: USERS.eastSeller.id } },
    });
    expect(rows.get(b)?.status).toBe('paused');
    expect(rows.get(c)).toMatchObject({ status: 'active', pause: null });
    expect((await liveConnection(world, colleague))?.status).toBe('active');

    const upNext = (await world.as('eastSeller', 'GET', `/api/records/${a}/up-next`)).json();
    expect(upNext.connection).toMatchObject({
      status: 'paused',
      pause: { note: 'Out of office until Monday' },
    });
    const timeline = (await world.as('eastSeller', 'GET', `/api/records/${a}/timeline`)).json();
    expect(timeline.items[0]).toMatchObject({
      kind: 'connection_paused',
      data: { note: 'Out of office until Monday' },
    });

    const again = await world.as('eastSeller', 'POST', '/api/connections/pause', {
      connectionIds: [ca],
      note: 'Twice',
    });
    expect(again.json().results).toEqual([{ connectionId: ca, status: 'not_active' }]);

    const resumed = await world.as('eastSeller', 'POST', '/api/connections/resume', {
      connectionIds: [ca, cb, (await liveConnection(world, c))!.id],
    });
    expect(resumed.json().results.map((r: { status: string }) => r.status)).toEqual([
      'resumed',
      'resumed',
      'not_paused',
    ]);
    const after = await listed(sequenceId);
    expect(after.get(a)).toMatchObject({ status: 'active', pause: null });
    const upNextAfter = (await world.as('eastSeller', 'GET', `/api/records/${a}/up-next`)).json();
    expect(upNextAfter.connection.pause).toBeNull();

    // A single pause with its own reason replaces the earlier one.
    const one = await world.as('eastSeller', 'POST', `/api/connections/${ca}/pause`, {
      note: 'Asked to wait',
    });
    expect(one.json().status).toBe('paused');
    expect((await listed(sequenceId)).get(a)?.pause?.note).toBe('Asked to wait');
  });
});
