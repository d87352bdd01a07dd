import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { insertNewConnections } from '../../src/store/connections/insert-new-connections.ts';
import { countOpenRecords, scanOpenRecords } from '../../src/store/connections/open-records.ts';
import { pauseConnectionRow, resumeConnectionRow } from '../../src/store/connections/pause-connection.ts';
import type { Store } from '../../src/store/db.ts';
import { PAUSED_LEASE } from '../../src/store/repos/engine-repo.ts';
import { enqueueEvent, eventTaskKey } from '../../src/store/tasks/event-tasks.ts';
import { moveDueTasks } from '../../src/store/tasks/move-due-tasks.ts';
import { definition, insertSequence, recordRow, SELLER, T0 } from '../engine/engine-fixtures.ts';
import { connectionRow } from '../support/connection-row.ts';
import { dialects, freshStore } from '../support/databases.ts';
import { BU, ORG_ID, seedWorld, USERS } from '../support/world.ts';

const def = definition({ start: 't', nodes: [{ id: 't', kind: 'task', next: null }] });

describe.each(dialects)('connection store modules on %s', (dialect) => {
  let store: Store;
  beforeEach(async () => {
    store = await freshStore(dialect);
    await seedWorld(store, T0);
  });
  afterEach(() => store.close());

  it('inserts 2,500 connections in chunks and leaves out a record that already has a live one', async () => {
    const { sequenceId, versionId } = await insertSequence(store, def);
    const records = Array.from({ length: 2500 }, (_, i) => recordRow({ email: `r${i}@example.com` }));
    for (let i = 0; i < records.length; i += 500)
      await store.db
        .insertInto('records')
        .values(records.slice(i, i + 500))
        .execute();
    const first = await insertNewConnections(store.db, [connectionRow(records[7]!, sequenceId, versionId)]);
    expect(first.size).toBe(1);

    const rows = records.map((record) => connectionRow(record, sequenceId, versionId));
    const inserted = await insertNewConnections(store.db, rows);
    expect(inserted.size).toBe(2499);
    expect(inserted.has(rows[7]!.id)).toBe(false);
    const stored = await store.db
      .selectFrom('connections')
      .select(['record_id', 'connected_at', 'ended_at'])
      .execute();
    expect(stored).toHaveLength(2500);
    // Numbers stay numbers through PostgreSQL's unnest arrays.
    expect(Number(stored[0]!.connected_at)).toBe(T0);
    expect(stored[0]!.ended_at).toBeNull();
  });

  it('counts and scans open records in id order within the caller scope, owner and live-connection filters', async () => {
    const { sequenceId, versionId } = await insertSequence(store, def);
    const mine = Array.from({ length: 5 }, () => recordRow());
    const colleague = recordRow({ owner_id: USERS.eastSeller2.id });
    const west = recordRow({ owner_id: USERS.westSeller.id, business_unit_id: BU.west });
    const closed = recordRow({ status: 'won' });
    const contact = recordRow({ type: 'contact' });
    await store.db
      .insertInto('records')
      .values([...mine, colleague, west, closed, contact])
      .execute();
    await insertNewConnections(store.db, [connectionRow(mine[0]!, sequenceId, versionId)]);
    const base = { orgId: ORG_ID, recordType: 'lead' as const };

    const all = { ...base, withoutSequence: false, scope: { kind: 'all' as const } };
    expect(await countOpenRecords(store.db, all)).toBe(7);
    expect(await countOpenRecords(store.db, { ...all, withoutSequence: true })).toBe(6);
    expect(await countOpenRecords(store.db, { ...all, ownerId: SELLER })).toBe(5);
    const units = {
      ...base,
      withoutSequence: false,
      scope: { kind: 'units' as const, userId: 'nobody', businessUnitIds: [BU.east] },
    };
    expect(await countOpenRecords(store.db, units)).toBe(6);
    const own = { ...base, withoutSequence: false, scope: { kind: 'owner' as const, userId: SELLER } };
    expect(await countOpenRecords(store.db, own)).toBe(5);

    const sorted = [...mine].map((r) => r.id).sort();
    const page1 = await scanOpenRecords(store.db, { ...own, after: null, limit: 3 });
    expect(page1.map((r) => r.id)).toEqual(sorted.slice(0, 3));
    const page2 = await scanOpenRecords(store.db, { ...own, after: page1.at(-1)!.id, limit: 3 });
    expect(page2.map((r) => r.id)).toEqual(sorted.slice(3));
  });

  it('pauses and resumes: held work waits while paused and is due again after', async () => {
    const { sequenceId, versionId } = await insertSequence(store, def);
    const record = recordRow();
    await store.db.insertInto('records').values(record).execute();
    const connection = connectionRow(record, sequenceId, versionId);
    await insertNewConnections(store.db, [connection]);
    const event = { id: `timer:${connection.id}:t`, type: 'timer' as const, nodeId: 't' };
    expect(
      await enqueueEvent(store.db, { orgId: ORG_ID, connectionId: connection.id, event, dueAt: T0 + 1000 }),
    ).toBe(true);
    const input = { orgId: ORG_ID, connectionId: connection.id, now: T0 + 10 };

    expect(await resumeConnectionRow(store.db, input)).toBeNull();
    expect(await pauseConnectionRow(store.db, input)).not.toBeNull();
    expect(await pauseConnectionRow(store.db, input)).toBeNull();
    const held = await store.db.selectFrom('scheduled_tasks').selectAll().executeTakeFirstOrThrow();
    expect(held.lease_owner).toBe(PAUSED_LEASE);
    expect((await store.db.selectFrom('connections').select('status').executeTakeFirstOrThrow()).status).toBe(
      'paused',
    );

    expect(await resumeConnectionRow(store.db, input)).not.toBeNull();
    const released = await store.db.selectFrom('scheduled_tasks').selectAll().executeTakeFirstOrThrow();
    expect(released.lease_owner).toBeNull();
    expect(released.status).toBe('pending');
    expect((await store.db.selectFrom('connections').select('status').executeTakeFirstOrThrow()).status).toBe(
      'active',
    );
  });

  it('queues an event once per event id, and moves due work by due time', async () => {
    const event = { id: 'reply:1', type: 'record_changed' as const };
    const input = { orgId: ORG_ID, connectionId: 'c-1', event, dueAt: T0 };
    expect(await enqueueEvent(store.db, input)).toBe(true);
    expect(await enqueueEvent(store.db, { ...input, dueAt: T0 + 5 })).toBe(false);
    await enqueueEvent(store.db, {
      ...input,
      event: { id: 'reply:2', type: 'record_changed' },
      dueAt: T0 + 60,
    });
    const tasks = await store.db.selectFrom('scheduled_tasks').selectAll().orderBy('due_at').execute();
    expect(tasks.map((t) => [t.idempotency_key, Number(t.due_at)])).toEqual([
      [eventTaskKey('reply:1'), T0],
      [eventTaskKey('reply:2'), T0 + 60],
    ]);
    expect(JSON.parse(tasks[0]!.payload_json)).toEqual(event);

    expect(await moveDueTasks(store.db, { dueBy: T0 + 30, to: T0 + 1000 })).toBe(1);
    expect(await moveDueTasks(store.db, { dueAt: T0 + 1000, to: T0 + 2000 })).toBe(1);
    const moved = await store.db.selectFrom('scheduled_tasks').select('due_at').orderBy('due_at').execute();
    expect(moved.map((t) => Number(t.due_at))).toEqual([T0 + 60, T0 + 2000]);
  });
});
