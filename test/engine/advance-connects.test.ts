import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyEvent } from '../../src/engine/apply-event.ts';
import { FakeClock } from '../../src/engine/clock.ts';
import type { EngineDeps } from '../../src/engine/engine-deps.ts';
import { startEngineWorker } from '../../src/engine/worker.ts';
import type { Store } from '../../src/store/db.ts';
import { dialects, freshStore } from '../support/databases.ts';
import {
  connectRecord,
  definition,
  insertRecord,
  insertSequence,
  ORG_ID,
  SELLER,
  seedEngineWorld,
  stepsOf,
  T0,
} from './engine-fixtures.ts';

/**
 * "Advance to another sequence" and connecting through the API create a connection the same way
 * (src/engine/new-connection.ts): the record lands in the target sequence with the same connection row, the same
 * timeline entries, the same first step and the same signed webhooks, whichever way it got there.
 */
describe.each(dialects)('advance to another sequence connects like the API (%s)', (dialect) => {
  let store: Store;
  let deps: EngineDeps;
  const drain = async () => {
    while ((await startEngineWorker(deps, { loop: false }).drain()) > 0) {}
  };

  beforeEach(async () => {
    store = await freshStore(dialect);
    deps = await seedEngineWorld(store, new FakeClock(T0));
    await store.db
      .insertInto('webhooks')
      .values({
        org_id: ORG_ID,
        id: 'hook-1',
        url: 'https://hooks.example.com/stepwise',
        secret: 'secret',
        events_json: JSON.stringify(['connection.connected', 'step.due']),
        enabled: 1,
        created_at: T0,
      })
      .execute();
  });
  afterEach(async () => {
    await store.close();
  });

  /** What a user and an integration see of a record's connection to `sequenceId`. */
  async function seenIn(recordId: string, sequenceId: string) {
    const connection = await store.db
      .selectFrom('connections')
      .selectAll()
      .where('org_id', '=', ORG_ID)
      .where('record_id', '=', recordId)
      .where('sequence_id', '=', sequenceId)
      .executeTakeFirstOrThrow();
    const timeline = await store.db
      .selectFrom('timeline_events')
      .select(['kind', 'summary', 'actor_id', 'data_json'])
      .where('org_id', '=', ORG_ID)
      .where('connection_id', '=', connection.id)
      .orderBy('occurred_at')
      .orderBy('id')
      .execute();
    const webhooks = await store.db
      .selectFrom('webhook_deliveries')
      .select(['event', 'payload_json', 'idempotency_key'])
      .where('org_id', '=', ORG_ID)
      .where('payload_json', 'like', `%${connection.id}%`)
      .orderBy('event')
      .execute();
    const steps = await stepsOf(store, connection.id);
    const anon = (text: string) =>
      text.replaceAll(connection.id, '<connection>').replaceAll(recordId, '<record>');
    return {
      connection: {
        status: connection.status,
        version_id: connection.version_id,
        owner_id: connection.owner_id,
        connected_by: connection.connected_by,
        current_node_id: connection.current_node_id,
        reason: connection.reason,
        state: JSON.parse(connection.state_json).phase,
      },
      timeline: timeline.map((t) => ({ ...t, data_json: anon(t.data_json) })),
      steps: steps.map((s) => [s.node_id, s.status, s.owner_id]),
      webhooks: webhooks.map((w) => {
        const payload = JSON.parse(w.payload_json);
        return {
          event: w.event,
          key: anon(w.idempotency_key).replace(/^[^:]+:/, ''),
          data: JSON.parse(anon(JSON.stringify(payload.data))),
        };
      }),
    };
  }

  it('a record advanced by the command gets the same connection, timeline and webhooks as one connected by hand', async () => {
    const target = await insertSequence(
      store,
      definition({ start: 'call', nodes: [{ id: 'call', kind: 'phone_call', next: null }] }),
    );
    const source = await insertSequence(
      store,
      definition({
        start: 'task',
        nodes: [
          { id: 'task', kind: 'task', next: 'adv' },
          { id: 'adv', kind: 'advance_sequence', sequenceId: target.sequenceId, next: null },
        ],
      }),
    );
    const advanced = await insertRecord(store, { email: 'advanced@example.com' });
    const direct = await insertRecord(store, { email: 'direct@example.com' });

    const first = await connectRecord(store.db, {
      recordId: advanced,
      sequenceId: source.sequenceId,
      now: T0,
    });
    await drain();
    await applyEvent(deps, {
      orgId: ORG_ID,
      connectionId: first,
      event: { id: 'done-task', type: 'step_completed', nodeId: 'task', actorId: SELLER },
    });
    await drain();
    await connectRecord(store.db, { recordId: direct, sequenceId: target.sequenceId, now: T0 });
    await drain();

    const byCommand = await seenIn(advanced, target.sequenceId);
    const byHand = await seenIn(direct, target.sequenceId);
    expect(byCommand.connection).toMatchObject({
      status: 'active',
      version_id: target.versionId,
      current_node_id: 'call',
      connected_by: SELLER,
    });
    expect(byCommand.timeline.map((t) => t.kind)).toContain('connected');
    expect(byCommand.webhooks.map((w) => w.event)).toEqual(['connection.connected', 'step.due']);
    expect(byCommand).toEqual(byHand);
  });
});
