import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBulkJobs } from '../../src/engine/bulk-connect.ts';
import { MINUTE } from '../../src/engine/clock.ts';
import { dialects } from '../support/databases.ts';
import { BU, createWorld, ORG_ID, USERS, type World } from '../support/world.ts';
import {
  CALL_EMAIL_TASK,
  CALLS_ONLY,
  count,
  engineOf,
  insertRecord,
  insertRecords,
  insertSequence,
  liveConnection,
  stepsOfRecord,
} from './helpers.ts';

describe.each(dialects)('connecting records on %s', (dialect) => {
  let world: World;
  beforeAll(async () => {
    world = await createWorld(dialect);
  });
  afterAll(async () => {
    await world.close();
  });

  it('connects a list inline and reports every refusal with its reason', async () => {
    const { sequenceId } = await insertSequence(world, CALL_EMAIL_TASK);
    const { sequenceId: otherId } = await insertSequence(world, CALLS_ONLY);
    const ok = await insertRecord(world);
    const already = await insertRecord(world);
    const first = await world.as('eastSeller', 'POST', `/api/records/${already}/connection`, {
      sequenceId: otherId,
    });
    expect(first.statusCode).toBe(201);
    const contact = await insertRecord(world, { type: 'contact' });
    const qualified = await insertRecord(world, { status: 'qualified' });
    const noEmail = await insertRecord(world, { email: null });
    const doNotEmail = await insertRecord(world, { do_not_email: 1 });
    const colleagues = await insertRecord(world, { owner_id: USERS.eastSeller2.id });
    const west = await insertRecord(world, { owner_id: USERS.westSeller.id, business_unit_id: BU.west });

    const response = await world.as('eastSeller', 'POST', `/api/sequences/${sequenceId}/connections`, {
      recordIds: [ok, already, contact, qualified, noEmail, doNotEmail, colleagues, west, 'no-such-record'],
    });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    const byRecord = Object.fromEntries(
      body.results.map((r: { recordId: string; status: string; reason?: string }) => [
        r.recordId,
        r.reason ?? r.status,
      ]),
    );
    expect(byRecord).toEqual({
      [ok]: 'connected',
      [already]: 'already_connected',
      [contact]: 'wrong_record_type',
      [qualified]: 'not_open',
      [noEmail]: 'no_email_address',
      [doNotEmail]: 'do_not_contact',
      [colleagues]: 'not_your_record',
      [west]: 'not_found',
      'no-such-record': 'not_found',
    });
    expect(body.connected).toBe(1);
    expect(body.refused).toBe(8);
    expect(body.results.find((r: { recordId: string }) => r.recordId === noEmail).message).toMatch(
      /no email/i,
    );

    // The engine takes it from here: the first step becomes due for the record's owner.
    const engine = engineOf(world);
    await engine.drain();
    const steps = await stepsOfRecord(world, ok);
    expect(steps.map((s) => [s.node_id, s.status, s.owner_id])).toEqual([
      ['call', 'due', USERS.eastSeller.id],
    ]);

    // A manager of the unit may connect the colleague's record.
    const managed = await world.as('eastSalesManager', 'POST', `/api/sequences/${sequenceId}/connections`, {
      recordIds: [colleagues],
    });
    expect(managed.json().results[0].status).toBe('connected');
    expect((await liveConnection(world, colleagues))?.owner_id).toBe(USERS.eastSeller2.id);
  });

  it('connects from the record, refuses inactive sequences and reports bad input with field paths', async () => {
    const { sequenceId } = await insertSequence(world, CALL_EMAIL_TASK);
    const { sequenceId: inactive } = await insertSequence(world, CALL_EMAIL_TASK, { status: 'inactive' });
    const record = await insertRecord(world);
    const before = await count(world, 'connections');

    const bad = await world.as('eastSeller', 'POST', `/api/sequences/${sequenceId}/connections`, {
      recordIds: [],
      extra: true,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('validation_failed');
    const paths = bad.json().problems.map((p: { path: string[] }) => p.path.join('.'));
    expect(paths).toContain('body.recordIds');
    const both = await world.as('eastSeller', 'POST', `/api/sequences/${sequenceId}/connections`, {
      recordIds: [record],
      filter: {},
    });
    expect(both.statusCode).toBe(400);
    const badRecord = await world.as('eastSeller', 'POST', `/api/records/${record}/connection`, {
      sequenceId: 5,
    });
    expect(badRecord.statusCode).toBe(400);
    expect(badRecord.json().problems[0].path).toEqual(['body', 'sequenceId']);
    expect(await count(world, 'connections')).toBe(before);

    const notActive = await world.as('eastSeller', 'POST', `/api/records/${record}/connection`, {
      sequenceId: inactive,
    });
    expect(notActive.statusCode).toBe(409);
    expect(notActive.json().code).toBe('sequence_not_active');
    const west = await world.as('westSeller', 'POST', `/api/records/${record}/connection`, { sequenceId });
    expect(west.statusCode).toBe(404);

    const created = await world.as('eastSeller', 'POST', `/api/records/${record}/connection`, { sequenceId });
    expect(created.statusCode).toBe(201);
    const again = await world.as('eastSeller', 'POST', `/api/records/${record}/connection`, { sequenceId });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('already_connected');
    const qualified = await insertRecord(world, { status: 'won' });
    const closed = await world.as('eastSeller', 'POST', `/api/records/${qualified}/connection`, {
      sequenceId,
    });
    expect(closed.statusCode).toBe(422);
    expect(closed.json().code).toBe('not_open');
  });

  it('runs more than 1,000 ids as a bulk job that survives a crashed worker', async () => {
    const { sequenceId } = await insertSequence(world, CALLS_ONLY);
    const ids = await insertRecords(world, 1150, (i) => (i % 100 === 0 ? { status: 'lost' } : {}));
    const missing = Array.from({ length: 50 }, (_, i) => `missing-${i}`);
    const response = await world.as('eastSeller', 'POST', `/api/sequences/${sequenceId}/connections`, {
      recordIds: [...ids, ...missing],
    });
    expect(response.statusCode).toBe(202);
    const { jobId } = response.json();
    const queued = await world.as('eastSeller', 'GET', `/api/bulk-jobs/${jobId}`);
    expect(queued.json()).toMatchObject({ status: 'queued', total: 1200, processed: 0 });
    expect((await world.as('eastSeller2', 'GET', `/api/bulk-jobs/${jobId}`)).statusCode).toBe(404);

    // A worker takes one chunk, then dies holding the lease.
    await runBulkJobs({
      store: world.store,
      clock: world.clock,
      workerId: 'doomed',
      chunkSize: 500,
      maxChunks: 1,
    });
    const half = (await world.as('eastSeller', 'GET', `/api/bulk-jobs/${jobId}`)).json();
    expect(half).toMatchObject({ status: 'running', processed: 500 });
    expect(half.refusals).toEqual([]);
    // Nobody else takes it while the lease holds…
    expect(
      await runBulkJobs({ store: world.store, clock: world.clock, workerId: 'other', chunkSize: 500 }),
    ).toBe(0);
    // …and after it expires another worker finishes from where the first stopped.
    world.clock.advance(2 * MINUTE);
    expect(
      await runBulkJobs({ store: world.store, clock: world.clock, workerId: 'other', chunkSize: 500 }),
    ).toBe(1);
    const done = (await world.as('eastSeller', 'GET', `/api/bulk-jobs/${jobId}`)).json();
    expect(done).toMatchObject({ status: 'done', total: 1200, processed: 1200, succeeded: 1138, failed: 62 });
    expect(done.refusalsByReason).toEqual({ not_open: 12, not_found: 50 });
    expect(done.refusals).toHaveLength(62);
    const live = await world.store.db
      .selectFrom('connections')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('org_id', '=', ORG_ID)
      .where('sequence_id', '=', sequenceId)
      .executeTakeFirstOrThrow();
    expect(Number(live.n)).toBe(1138);
  });

  it('connects "open records without a sequence" by filter in the background', async () => {
    const { sequenceId } = await insertSequence(world, CALLS_ONLY, { name: 'Filter target' });
    // Everything open without a sequence so far, plus three new ones with a custom field.
    const hot = await insertRecords(world, 3, () => ({
      custom_json: JSON.stringify({ temperature: 'hot' }),
    }));
    const response = await world.as('eastSeller', 'POST', `/api/sequences/${sequenceId}/connections`, {
      filter: {
        view: 'open_without_sequence',
        rule: {
          combine: 'and',
          groups: [{ combine: 'and', conditions: [{ field: 'temperature', operator: 'eq', value: 'hot' }] }],
        },
      },
    });
    expect(response.statusCode).toBe(202);
    await runBulkJobs({ store: world.store, clock: world.clock });
    const job = (await world.as('eastSeller', 'GET', `/api/bulk-jobs/${response.json().jobId}`)).json();
    expect(job.status).toBe('done');
    expect(job.succeeded).toBe(3);
    for (const id of hot) expect((await liveConnection(world, id))?.sequence_id).toBe(sequenceId);
  });

  it('disconnects one and many, pauses and resumes, each recorded', async () => {
    const world = await createWorld(dialect);
    const { sequenceId } = await insertSequence(world, CALL_EMAIL_TASK);
    const [a, b, c] = (await insertRecords(world, 3)) as [string, string, string];
    const connected = await world.as('eastSeller', 'POST', `/api/sequences/${sequenceId}/connections`, {
      recordIds: [a, b, c],
    });
    expect(connected.json().connected).toBe(3);
    const engine = engineOf(world);
    await engine.drain();

    const one = await world.as('eastSeller', 'DELETE', `/api/records/${a}/connection?note=Not%20interested`);
    expect(one.statusCode).toBe(200);
    const ended = await world.store.db
      .selectFrom('connections')
      .selectAll()
      .where('id', '=', one.json().connectionId)
      .executeTakeFirstOrThrow();
    expect([ended.status, ended.reason]).toEqual(['disconnected', 'manual']);
    expect((await stepsOfRecord(world, a)).map((s) => s.status)).toEqual(['canceled']);
    const timeline = (await world.as('eastSeller', 'GET', `/api/records/${a}/timeline`)).json();
    expect(timeline.items.map((e: { kind: string }) => e.kind)).toEqual(
      expect.arrayContaining(['connection_disconnected', 'disconnect_note']),
    );
    expect((await world.as('eastSeller', 'DELETE', `/api/records/${a}/connection`)).statusCode).toBe(404);

    const pause = await world.as(
      'eastSeller',
      'POST',
      `/api/connections/${(await liveConnection(world, b))!.id}/pause`,
      {
        note: 'On holiday',
      },
    );
    expect(pause.json().status).toBe('paused');
    const worklist = (await world.as('eastSeller', 'GET', `/api/worklist?sequenceId=${sequenceId}`)).json();
    expect(worklist.items.map((i: { record: { id: string } }) => i.record.id)).not.toContain(b);
    const pausedAgain = await world.as(
      'eastSeller',
      'POST',
      `/api/connections/${(await liveConnection(world, b))!.id}/pause`,
      {},
    );
    expect(pausedAgain.statusCode).toBe(409);
    const resume = await world.as(
      'eastSeller',
      'POST',
      `/api/connections/${(await liveConnection(world, b))!.id}/resume`,
      {},
    );
    expect(resume.json().status).toBe('active');
    const after = (await world.as('eastSeller', 'GET', `/api/worklist?sequenceId=${sequenceId}`)).json();
    expect(after.items.map((i: { record: { id: string } }) => i.record.id)).toContain(b);

    const many = await world.as('eastSeller', 'POST', '/api/connections/disconnect', {
      recordIds: [a, b, c, 'nope'],
    });
    expect(many.json().results.map((r: { status: string }) => r.status)).toEqual([
      'not_connected',
      'disconnected',
      'disconnected',
      'not_found',
    ]);
    expect(await liveConnection(world, b)).toBeUndefined();
    const pending = await world.store.db
      .selectFrom('scheduled_tasks')
      .select('id')
      .where('connection_id', 'in', [ended.id])
      .where('status', '=', 'pending')
      .execute();
    expect(pending).toEqual([]);
    const audit = await world.store.db
      .selectFrom('audit_log')
      .select('action')
      .where('action', 'like', 'connection.%')
      .execute();
    expect(audit.map((r) => r.action)).toEqual(
      expect.arrayContaining([
        'connection.create',
        'connection.disconnect',
        'connection.pause',
        'connection.resume',
      ]),
    );
    await engine.stop();
    await world.close();
  });
});
