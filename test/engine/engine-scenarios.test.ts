import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyEvent } from '../../src/engine/apply-event.ts';
import { DAY, FakeClock, HOUR } from '../../src/engine/clock.ts';
import { pauseConnection, resumeConnection } from '../../src/engine/connect.ts';
import type { EngineDeps } from '../../src/engine/engine-deps.ts';
import { enqueueEvent } from '../../src/engine/enqueue-event.ts';
import { startEngineWorker } from '../../src/engine/worker.ts';
import type { Store } from '../../src/store/db.ts';
import { dialects, freshStore } from '../support/databases.ts';
import {
  connectionRow,
  connectNew,
  connectRecord,
  definition,
  emailsOf,
  insertSequence,
  ORG_ID,
  SELLER,
  seedEngineWorld,
  stepsOf,
  T0,
} from './engine-fixtures.ts';

describe.each(dialects)('engine scenarios (%s)', (dialect) => {
  let store: Store;
  let clock: FakeClock;
  let deps: EngineDeps;
  const drain = () => startEngineWorker(deps, { loop: false }).drain();

  beforeEach(async () => {
    store = await freshStore(dialect);
    clock = new FakeClock(T0);
    deps = await seedEngineWorld(store, clock);
  });
  afterEach(async () => {
    await store.close();
  });

  it('runs manual steps, a wait, an automated email and a call condition to completion', async () => {
    const def = definition({
      start: 'call',
      nodes: [
        { id: 'call', kind: 'phone_call', next: 'called' },
        {
          id: 'called',
          kind: 'condition_call',
          inspects: 'call',
          outcomes: ['connected'],
          yes: 'wait',
          no: 'task',
        },
        { id: 'task', kind: 'task', next: null },
        { id: 'wait', kind: 'wait', days: 2, hours: 0, next: 'mail' },
        { id: 'mail', kind: 'automated_email', templateId: 'tpl-1', next: null },
      ],
    });
    const { connectionId, recordId } = await connectNew(store, def);
    expect(await drain()).toBe(1);
    let steps = await stepsOf(store, connectionId);
    expect(steps.map((s) => [s.node_id, s.status, s.owner_id])).toEqual([['call', 'due', SELLER]]);

    await expect(
      applyEvent(deps, {
        orgId: ORG_ID,
        connectionId,
        event: { id: 'e-wrong', type: 'step_completed', nodeId: 'task', actorId: SELLER },
      }),
    ).rejects.toMatchObject({ code: 'step_not_current' });

    const state = await applyEvent(deps, {
      orgId: ORG_ID,
      connectionId,
      event: { id: 'e1', type: 'step_completed', nodeId: 'call', actorId: SELLER, outcome: 'connected' },
    });
    expect(state.nodeId).toBe('wait');
    steps = await stepsOf(store, connectionId);
    expect(steps.find((s) => s.node_id === 'wait')).toMatchObject({
      status: 'waiting',
      due_at: T0 + 2 * DAY,
    });

    clock.set(T0 + 2 * DAY - HOUR);
    expect(await drain()).toBe(0);
    clock.set(T0 + 2 * DAY);
    expect(await drain()).toBe(1);
    const emails = await emailsOf(store, connectionId);
    expect(emails).toHaveLength(1);
    expect(emails[0]).toMatchObject({
      status: 'queued',
      template_id: 'tpl-1',
      to_address: 'ada@example.com',
      sender_user_id: SELLER,
      record_id: recordId,
      not_before: T0 + 2 * DAY,
      subject: '',
    });
    expect(emails[0]!.step_instance_id).toBeTruthy();
    const connection = await connectionRow(store, connectionId);
    expect(connection).toMatchObject({ status: 'completed', reason: 'completed', current_node_id: null });
    await expect(
      applyEvent(deps, { orgId: ORG_ID, connectionId, event: { id: 'late', type: 'record_changed' } }),
    ).rejects.toMatchObject({ code: 'connection_not_active' });
    const timeline = await store.db
      .selectFrom('timeline_events')
      .select('kind')
      .where('connection_id', '=', connectionId)
      .execute();
    expect(timeline.map((t) => t.kind)).toEqual(
      expect.arrayContaining([
        'connected',
        'step_completed',
        'condition',
        'email_queued',
        'connection_completed',
      ]),
    );
  });

  it('refuses a second live connection with already_connected', async () => {
    const def = definition({ start: 't', nodes: [{ id: 't', kind: 'task', next: null }] });
    const { recordId, sequenceId } = await connectNew(store, def);
    await expect(
      connectRecord(store.db, {
        recordId,
        sequenceId,
        now: T0,
      }),
    ).rejects.toMatchObject({ code: 'already_connected' });
  });

  it('email condition: moves to Yes as soon as an open is seen, exits on reply, goes No at the time limit', async () => {
    const def = definition({
      start: 'mail',
      nodes: [
        { id: 'mail', kind: 'automated_email', templateId: 'tpl', next: 'opened' },
        {
          id: 'opened',
          kind: 'condition_email',
          inspects: 'mail',
          results: ['opened'],
          combine: 'any',
          timeLimit: { days: 1, hours: 0 },
          moveWhenSeen: true,
          yes: 'call',
          no: 'task',
        },
        { id: 'call', kind: 'phone_call', next: null },
        { id: 'task', kind: 'task', next: null },
      ],
    });
    const a = await connectNew(store, def);
    const b = await connectNew(store, def, { email: 'b@example.com' });
    const c = await connectNew(store, def, { email: 'c@example.com' });
    await drain();
    await enqueueEvent(store.db, {
      orgId: ORG_ID,
      connectionId: a.connectionId,
      event: { id: 'open-a', type: 'email_result', nodeId: 'mail', result: 'opened', at: T0 },
      dueAt: T0,
    });
    // Delivered twice: the second is dropped by the idempotency key.
    await enqueueEvent(store.db, {
      orgId: ORG_ID,
      connectionId: a.connectionId,
      event: { id: 'open-a', type: 'email_result', nodeId: 'mail', result: 'opened', at: T0 },
      dueAt: T0,
    });
    await enqueueEvent(store.db, {
      orgId: ORG_ID,
      connectionId: b.connectionId,
      event: { id: 'reply-b', type: 'email_result', nodeId: 'mail', result: 'replied', at: T0 },
      dueAt: T0,
    });
    expect(await drain()).toBe(2);
    const stepsA = (await stepsOf(store, a.connectionId)).map((s) => [s.node_id, s.status]);
    expect(stepsA.sort()).toEqual([
      ['call', 'due'],
      ['mail', 'completed'],
    ]);
    expect(await connectionRow(store, b.connectionId)).toMatchObject({
      status: 'disconnected',
      reason: 'replied',
    });
    clock.set(T0 + DAY);
    await drain();
    expect((await connectionRow(store, c.connectionId)).current_node_id).toBe('task');
  });

  it('field condition that names a missing field waits visibly, then goes on after the record changes', async () => {
    const def = definition({
      start: 'set',
      nodes: [
        { id: 'set', kind: 'update_field', field: 'rating', value: 'hot', next: 'check' },
        {
          id: 'check',
          kind: 'condition_field',
          rule: {
            combine: 'and',
            groups: [{ combine: 'and', conditions: [{ field: 'budget', operator: 'gt', value: 1000 }] }],
          },
          yes: 'stage',
          no: 'task',
        },
        { id: 'stage', kind: 'condition_stage', stages: ['qualify'], yes: 'call', no: 'task' },
        { id: 'call', kind: 'phone_call', next: null },
        { id: 'task', kind: 'task', next: null },
      ],
    });
    const { connectionId, recordId } = await connectNew(store, def);
    await drain();
    const record = await store.db
      .selectFrom('records')
      .selectAll()
      .where('id', '=', recordId)
      .executeTakeFirstOrThrow();
    expect(JSON.parse(record.custom_json)).toEqual({ rating: 'hot' });
    let connection = await connectionRow(store, connectionId);
    expect(connection.current_node_id).toBe('check');
    expect(JSON.parse(connection.state_json)).toMatchObject({ phase: 'cannot_evaluate' });
    expect(JSON.parse(connection.state_json).blockedReason).toContain('budget');
    await store.db
      .updateTable('records')
      .set({ custom_json: JSON.stringify({ rating: 'hot', budget: 5000 }) })
      .where('id', '=', recordId)
      .execute();
    await applyEvent(deps, { orgId: ORG_ID, connectionId, event: { id: 'rc1', type: 'record_changed' } });
    connection = await connectionRow(store, connectionId);
    expect(connection.current_node_id).toBe('call');
  });

  it('advances to another sequence atomically, or fails clearly when the target is inactive', async () => {
    const target = await insertSequence(
      store,
      definition({ start: 't', nodes: [{ id: 't', kind: 'task', next: null }] }),
    );
    const inactive = await insertSequence(
      store,
      definition({ start: 't', nodes: [{ id: 't', kind: 'task', next: null }] }),
      {
        status: 'inactive',
      },
    );
    const mk = (sequenceId: string) =>
      definition({ start: 'adv', nodes: [{ id: 'adv', kind: 'advance_sequence', sequenceId, next: null }] });
    const ok = await connectNew(store, mk(target.sequenceId));
    const bad = await connectNew(store, mk(inactive.sequenceId), { email: 'x@example.com' });
    await drain();
    expect(await connectionRow(store, ok.connectionId)).toMatchObject({
      status: 'disconnected',
      reason: 'advanced',
    });
    const next = await store.db
      .selectFrom('connections')
      .selectAll()
      .where('record_id', '=', ok.recordId)
      .where('status', '=', 'active')
      .executeTakeFirstOrThrow();
    expect(next).toMatchObject({
      sequence_id: target.sequenceId,
      version_id: target.versionId,
      current_node_id: 't',
    });
    expect(await connectionRow(store, bad.connectionId)).toMatchObject({
      status: 'failed',
      reason: 'advance_target_inactive',
    });
  });

  it('holds the work of a paused connection and runs it after resume', async () => {
    const def = definition({
      start: 'wait',
      nodes: [
        { id: 'wait', kind: 'wait', days: 1, hours: 0, next: 'task' },
        { id: 'task', kind: 'task', next: null },
      ],
    });
    const { connectionId } = await connectNew(store, def);
    await drain();
    expect(await pauseConnection(store.db, { orgId: ORG_ID, connectionId, now: clock.now() })).toBe(true);
    clock.set(T0 + 2 * DAY);
    await drain();
    expect((await connectionRow(store, connectionId)).current_node_id).toBe('wait');
    expect(await resumeConnection(store.db, { orgId: ORG_ID, connectionId, now: clock.now() })).toBe(true);
    await drain();
    expect((await connectionRow(store, connectionId)).current_node_id).toBe('task');
  });
  it('a day wait keeps the wall clock of the zone inferred from the phone when the record has none', async () => {
    const def = definition({
      start: 'wait',
      nodes: [
        { id: 'wait', kind: 'wait', days: 1, hours: 0, next: 'task' },
        { id: 'task', kind: 'task', next: null },
      ],
    });
    // Saturday 7 March 2026, 18:00 UTC: New York moves its clocks on Sunday, Warsaw (the seller's zone) does not,
    // so one day of New York wall clock is 23 hours.
    const start = Date.UTC(2026, 2, 7, 18);
    clock.set(start);
    const { connectionId } = await connectNew(
      store,
      def,
      { time_zone: null, phone_business: '+1 212 555 0100' },
      start,
    );
    await drain();
    clock.set(start + 23 * HOUR - 60_000);
    await drain();
    expect((await connectionRow(store, connectionId)).current_node_id).toBe('wait');
    clock.set(start + 23 * HOUR);
    await drain();
    expect((await connectionRow(store, connectionId)).current_node_id).toBe('task');
  });
});
