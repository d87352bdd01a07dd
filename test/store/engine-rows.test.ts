import type { Selectable } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/db.ts';
import { newId } from '../../src/store/ids.ts';
import {
  insertNewOutboundMessages,
  insertNewStepInstances,
  insertNewTasks,
  insertTimeline,
  type StepInstanceRow,
  updateManyRecordFields,
  upsertStepInstances,
  writeStepInstances,
  writeTransaction,
} from '../../src/store/repos/engine-repo.ts';
import type { OutboundMessagesTable, TimelineEventsTable } from '../../src/store/schema.ts';
import { eventTaskRow } from '../../src/store/tasks/event-tasks.ts';
import { connectNew, definition, T0 } from '../engine/engine-fixtures.ts';
import { stepInstanceRow } from '../support/connection-row.ts';
import { dialects, freshStore } from '../support/databases.ts';
import { outboundMessageRecord } from '../support/outbound-rows.ts';
import { ORG_ID, seedWorld } from '../support/world.ts';

/**
 * The engine's batch writes on both databases, at sizes around SQLite's fixed statement size (100 rows, then one
 * row at a time): every row is written, RETURNING answers for every row, and a batch is all or nothing.
 */
const def = definition({ start: 't', nodes: [{ id: 't', kind: 'task', next: null }] });

function timelineRows(recordId: string, connectionId: string, count: number): TimelineEventsTable[] {
  return Array.from({ length: count }, (_, i) => ({
    org_id: ORG_ID,
    id: newId(T0),
    record_id: recordId,
    connection_id: connectionId,
    kind: 'step',
    actor_id: null,
    summary: `Step ${i}`,
    data_json: '{}',
    occurred_at: T0 + i,
  }));
}

function stepRows(
  recordId: string,
  connectionId: string,
  sequenceId: string,
  nodes: number,
  status: StepInstanceRow['status'],
) {
  return Array.from({ length: nodes }, (_, i) =>
    stepInstanceRow({
      id: newId(T0),
      connection_id: connectionId,
      record_id: recordId,
      sequence_id: sequenceId,
      node_id: `n${i}`,
      kind: 'task',
      name: `Task ${i}`,
      status,
      owner_id: 'u',
      due_at: T0 + i,
    }),
  );
}

/** The statuses of the test's `n…` steps of a connection, as stored. */
async function storedStepStatuses(store: Store, connectionId: string): Promise<string[]> {
  const rows = await store.db
    .selectFrom('step_instances')
    .select(['status'])
    .where('connection_id', '=', connectionId)
    .where('node_id', 'like', 'n%')
    .execute();
  return rows.map((row) => row.status);
}

describe.each(dialects)('engine batch writes on %s', (dialect) => {
  let store: Store;
  beforeEach(async () => {
    store = await freshStore(dialect);
    await seedWorld(store, T0);
  });
  afterEach(() => store.close());

  it('writes every row of batches of 1, 99, 100, 101 and 257 rows', async () => {
    const { connectionId, recordId } = await connectNew(store, def);
    const before = await timelineCount(store, connectionId);
    for (const size of [1, 99, 100, 101, 257]) {
      await writeTransaction(store, (trx) => insertTimeline(trx, timelineRows(recordId, connectionId, size)));
    }
    expect((await timelineCount(store, connectionId)) - before).toBe(1 + 99 + 100 + 101 + 257);
  });

  it('answers an upsert of 230 steps with each step id, and keeps the ids when the same steps change', async () => {
    const { connectionId, recordId, sequenceId } = await connectNew(store, def);
    const rows = stepRows(recordId, connectionId, sequenceId, 230, 'due');
    const first = await writeTransaction(store, (trx) => upsertStepInstances(trx, rows));
    expect(new Map(first.map((r) => [r.node_id, r.id]))).toEqual(new Map(rows.map((r) => [r.node_id, r.id])));

    const again = stepRows(recordId, connectionId, sequenceId, 230, 'completed');
    const second = await writeTransaction(store, (trx) => upsertStepInstances(trx, again));
    expect(new Map(second.map((r) => [r.node_id, r.id]))).toEqual(
      new Map(rows.map((r) => [r.node_id, r.id])),
    );
    const stored = await storedStepStatuses(store, connectionId);
    expect(stored).toHaveLength(230);
    expect(new Set(stored)).toEqual(new Set(['completed']));
  });

  it('stores hostile text exactly as given: quotes, backslashes, braces, commas, the word NULL, empty text', async () => {
    const { connectionId, recordId } = await connectNew(store, def);
    const hostile = [
      'he said "hi"',
      'back\\slash \\" and \\\\',
      '{a,b},{"c"}',
      'NULL',
      'null',
      '',
      '  spaced  ',
      'line\nbreak\ttab',
      'ünïcødé 🚀 ∑',
      "it's",
    ];
    // Two batches: text JSON writes as the literal needs it (one native stringify), and text with control
    // characters and emoji (element by element).
    const jsonSafe = hostile.filter((text) => !/[\n\t]/.test(text) && !text.includes('🚀'));
    for (const texts of [jsonSafe, hostile]) {
      const rows = timelineRows(recordId, connectionId, texts.length).map((row, i) => ({
        ...row,
        summary: texts[i]!,
        actor_id: i % 2 === 0 ? null : texts[i]!,
        data_json: JSON.stringify({ text: texts[i] }),
      }));
      await writeTransaction(store, (trx) => insertTimeline(trx, rows));
      const stored = await store.db
        .selectFrom('timeline_events')
        .select(['id', 'summary', 'actor_id', 'data_json'])
        .where(
          'id',
          'in',
          rows.map((r) => r.id),
        )
        .execute();
      expect(new Map(stored.map((r) => [r.id, [r.summary, r.actor_id, r.data_json]]))).toEqual(
        new Map(rows.map((r) => [r.id, [r.summary, r.actor_id, r.data_json]])),
      );
    }

    // A batch of one row (every column the same in every row) and record updates with the same text.
    const single = timelineRows(recordId, connectionId, 1).map((row) => ({ ...row, summary: '"{NULL}"' }));
    await writeTransaction(store, (trx) => insertTimeline(trx, single));
    const one = await store.db
      .selectFrom('timeline_events')
      .select('summary')
      .where('id', '=', single[0]!.id)
      .executeTakeFirstOrThrow();
    expect(one.summary).toBe('"{NULL}"');
    for (const company of hostile) {
      await updateManyRecordFields(store.db, [{ orgId: ORG_ID, id: recordId, changes: { company } }], T0 + 2);
      const record = await store.db
        .selectFrom('records')
        .select('company')
        .where('id', '=', recordId)
        .executeTakeFirstOrThrow();
      expect(record.company).toBe(company);
    }
  });

  it('writes steps of nodes not entered before as new rows; a row that exists after all is updated, and the batch goes on', async () => {
    const { connectionId, recordId, sequenceId } = await connectNew(store, def);
    const fresh = stepRows(recordId, connectionId, sequenceId, 120, 'due');
    const first = await writeTransaction(store, (trx) => insertNewStepInstances(trx, dialect, fresh));
    expect(new Map(first.map((r) => [r.node_id, r.id]))).toEqual(
      new Map(fresh.map((r) => [r.node_id, r.id])),
    );

    // 120 of these 130 already exist (a state that does not list them as visited): they are updated, keep their
    // ids, and the rest of the batch transaction still writes.
    const again = stepRows(recordId, connectionId, sequenceId, 130, 'completed');
    const before = await timelineCount(store, connectionId);
    const second = await writeTransaction(store, async (trx) => {
      const ids = await insertNewStepInstances(trx, dialect, again);
      await insertTimeline(trx, timelineRows(recordId, connectionId, 1));
      return ids;
    });
    expect(second).toHaveLength(130);
    const ids = new Map(second.map((r) => [r.node_id, r.id]));
    for (const row of fresh) expect(ids.get(row.node_id)).toBe(row.id);
    expect(ids.get('n125')).toBe(again[125]!.id);
    expect(await timelineCount(store, connectionId)).toBe(before + 1);
    const stored = await storedStepStatuses(store, connectionId);
    expect(stored).toHaveLength(130);
    expect(new Set(stored)).toEqual(new Set(['completed']));
  });

  it('writes timers and emails of nodes not entered before as new rows; a key that exists after all keeps its row, and the batch goes on', async () => {
    const { connectionId, recordId } = await connectNew(store, def);
    await writeTransaction(store, async (trx) => {
      await insertNewTasks(trx, dialect, timerRows(connectionId, 120, T0 + 1));
      await insertNewOutboundMessages(trx, dialect, emailRows(recordId, connectionId, 120, T0 + 1));
    });

    // 120 of these 130 keys exist (a state that does not list their nodes as visited): those rows stay as they
    // were, the other 10 are written, and the rest of the batch transaction still writes.
    const before = await timelineCount(store, connectionId);
    await writeTransaction(store, async (trx) => {
      await insertNewTasks(trx, dialect, timerRows(connectionId, 130, T0 + 2));
      await insertNewOutboundMessages(trx, dialect, emailRows(recordId, connectionId, 130, T0 + 2));
      await insertTimeline(trx, timelineRows(recordId, connectionId, 1));
    });
    const timers = await store.db
      .selectFrom('scheduled_tasks')
      .select(['idempotency_key', 'due_at'])
      .where('connection_id', '=', connectionId)
      .where('idempotency_key', 'like', 'event:timer:%')
      .execute();
    expect(timers).toHaveLength(130);
    const timerDue = new Map(timers.map((t) => [t.idempotency_key, Number(t.due_at)]));
    expect(timerDue.get(`event:timer:${connectionId}:n119`)).toBe(T0 + 1);
    expect(timerDue.get(`event:timer:${connectionId}:n120`)).toBe(T0 + 2);
    const emails = await store.db
      .selectFrom('outbound_messages')
      .select(['idempotency_key', 'not_before'])
      .where('connection_id', '=', connectionId)
      .execute();
    expect(emails).toHaveLength(130);
    const notBefore = new Map(emails.map((m) => [m.idempotency_key, Number(m.not_before)]));
    expect(notBefore.get(`${connectionId}:n119:1`)).toBe(T0 + 1);
    expect(notBefore.get(`${connectionId}:n129:1`)).toBe(T0 + 2);
    expect(await timelineCount(store, connectionId)).toBe(before + 1);
  });

  it('writes steps of nodes entered before onto their rows (ids kept); a row missing after all is inserted', async () => {
    const { connectionId, recordId, sequenceId } = await connectNew(store, def);
    const first = stepRows(recordId, connectionId, sequenceId, 120, 'waiting');
    await writeTransaction(store, (trx) => upsertStepInstances(trx, first));

    // 130 steps the state lists as entered: 120 rows exist, 10 do not. Each gets the new values of the upsert's
    // columns; the existing ones keep their ids and creation time.
    const done = stepRows(recordId, connectionId, sequenceId, 130, 'completed').map((row, i) => ({
      ...row,
      owner_id: i % 2 === 0 ? 'u' : 'v',
      due_at: T0 + 1000 + i,
      outcome: i === 7 ? 'spoke' : null,
      completed_at: T0 + 2000,
      completed_by: 'u',
      created_at: T0 + 5,
      updated_at: T0 + 5,
    }));
    await writeTransaction(store, (trx) => writeStepInstances(trx, done));
    const stored = await store.db
      .selectFrom('step_instances')
      .select([
        'id',
        'node_id',
        'status',
        'owner_id',
        'due_at',
        'outcome',
        'completed_at',
        'created_at',
        'updated_at',
      ])
      .where('connection_id', '=', connectionId)
      .where('node_id', 'like', 'n%')
      .execute();
    expect(stored).toHaveLength(130);
    const byNode = new Map(stored.map((row) => [row.node_id, row]));
    done.forEach((row, i) => {
      expect(byNode.get(row.node_id)).toEqual({
        id: i < 120 ? first[i]!.id : row.id,
        node_id: row.node_id,
        status: 'completed',
        owner_id: row.owner_id,
        due_at: row.due_at,
        outcome: row.outcome,
        completed_at: T0 + 2000,
        created_at: i < 120 ? first[i]!.created_at : T0 + 5,
        updated_at: T0 + 5,
      });
    });
  });

  it('a step batch the database refuses on its 151st row (a repeated id) leaves none of its rows', async () => {
    const { connectionId, recordId, sequenceId } = await connectNew(store, def);
    const rows = stepRows(recordId, connectionId, sequenceId, 160, 'due');
    rows[150] = { ...rows[150]!, id: rows[5]!.id };
    const before = await timelineCount(store, connectionId);
    await expect(
      writeTransaction(store, async (trx) => {
        await insertTimeline(trx, timelineRows(recordId, connectionId, 3));
        await insertNewStepInstances(trx, dialect, rows);
      }),
    ).rejects.toThrow();
    expect(await storedStepStatuses(store, connectionId)).toEqual([]);
    expect(await timelineCount(store, connectionId)).toBe(before);
  });

  it('updates many records by key, and a batch refused on its 121st row leaves none of its rows', async () => {
    const { connectionId, recordId } = await connectNew(store, def);
    await updateManyRecordFields(
      store.db,
      [{ orgId: ORG_ID, id: recordId, changes: { company: 'Acme' } }],
      T0 + 1,
    );
    const record = await store.db
      .selectFrom('records')
      .select(['company'])
      .where('id', '=', recordId)
      .executeTakeFirstOrThrow();
    expect(record.company).toBe('Acme');

    const before = await timelineCount(store, connectionId);
    const rows = timelineRows(recordId, connectionId, 150);
    rows[120] = { ...rows[120]!, summary: 'bad \u0000 text' };
    await expect(writeTransaction(store, (trx) => insertTimeline(trx, rows))).rejects.toThrow(/NUL/);
    expect(await timelineCount(store, connectionId)).toBe(before);
  });
});

/** Timers of nodes n0… of a connection, due at `dueAt` (the engine's task rows for them). */
function timerRows(connectionId: string, nodes: number, dueAt: number) {
  return Array.from({ length: nodes }, (_, i) =>
    eventTaskRow(
      ORG_ID,
      connectionId,
      { id: `timer:${connectionId}:n${i}`, type: 'timer', nodeId: `n${i}` },
      dueAt,
      T0,
    ),
  );
}

/** Queued emails of nodes n0… of a connection (keys and Message-IDs as the engine makes them), not before `notBefore`. */
function emailRows(recordId: string, connectionId: string, nodes: number, notBefore: number) {
  return Array.from(
    { length: nodes },
    (_, i): Selectable<OutboundMessagesTable> =>
      outboundMessageRecord(newId(T0), T0, {
        connection_id: connectionId,
        record_id: recordId,
        subject: '',
        body_html: '',
        body_text: '',
        message_id: `<${connectionId}.n${i}.1@stepwise.local>`,
        idempotency_key: `${connectionId}:n${i}:1`,
        not_before: notBefore,
        content_kind: 'template',
      }),
  );
}

async function timelineCount(store: Store, connectionId: string): Promise<number> {
  const row = await store.db
    .selectFrom('timeline_events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('connection_id', '=', connectionId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
