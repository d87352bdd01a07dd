import { CompiledQuery, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/db.ts';
import { orgSendsSince, orgSendsSinceQuery } from '../../src/store/mail/claim-messages.ts';
import { explainAccesses } from '../../src/store/queries/explain.ts';
import { updateConnections, updateManyRecordFields } from '../../src/store/repos/engine-repo.ts';
import { hasOpenStepAssigned, openStepAssignedQuery } from '../../src/store/repos/worklist-repo.ts';
import type { StepStatus } from '../../src/store/schema.ts';
import { insertRows } from '../../src/store/seed/insert-rows.ts';
import { definition, insertSequence, recordRow, T0 } from '../engine/engine-fixtures.ts';
import { connectionRow, stepInstanceRow } from '../support/connection-row.ts';
import { dialects, freshStore } from '../support/databases.ts';
import { outboundMessageRow } from '../support/outbound-rows.ts';
import { ORG_ID, seedWorld, USERS } from '../support/world.ts';

/**
 * Migration 0030 (issue 17): the record index of steps holds open steps only, the sent-time index of the outbox
 * holds sent messages only, and on PostgreSQL the engine's record and connection updates stay HOT. Their readers
 * still find what they need through those indexes (plans checked right after a load, before statistics exist).
 */
const SELLER = USERS.eastSeller.id;
const ROWS = 3000;
const STATUSES: StepStatus[] = ['completed', 'completed', 'waiting', 'completed', 'due', 'skipped'];

async function seed(store: Store): Promise<void> {
  await seedWorld(store, T0);
  if (store.dialect === 'postgres') {
    for (const table of ['step_instances', 'outbound_messages']) {
      await store.db.executeQuery(CompiledQuery.raw(`ALTER TABLE ${table} SET (autovacuum_enabled = false)`));
    }
  }
  const def = definition({ start: 'n0', nodes: [{ id: 'n0', kind: 'phone_call', next: null }] });
  const { sequenceId } = await insertSequence(store, def);
  const steps = Array.from({ length: ROWS }, (_, i) =>
    stepInstanceRow({
      id: `s-${i}`,
      connection_id: `c-${Math.floor(i / 6)}`,
      record_id: `r-${Math.floor(i / 6)}`,
      sequence_id: sequenceId,
      node_id: `n${i % 6}`,
      kind: 'phone_call',
      name: 'Call',
      status: STATUSES[i % 6]!,
      owner_id: i % 12 < 6 ? SELLER : 'someone-else',
    }),
  );
  await insertRows(store.db, 'step_instances', steps);
  const messages = Array.from({ length: ROWS }, (_, i) =>
    outboundMessageRow(`m-${i}`, T0, {
      to_address: `lead${i}@example.com`,
      ...(i % 10 === 0 ? { status: 'sent' as const, sent_at: T0 + i } : {}),
    }),
  );
  await insertRows(store.db, 'outbound_messages', messages);
}

describe.each(dialects)('0030 partial indexes (%s)', (dialect) => {
  let store: Store;
  beforeAll(async () => {
    store = await freshStore(dialect);
    await seed(store);
  }, 120_000);
  afterAll(async () => {
    await store.close();
  });

  it("whether a user holds an open step of a record reads the record's open steps through an index", async () => {
    const accesses = await explainAccesses(
      store.db,
      dialect,
      openStepAssignedQuery(store.db, ORG_ID, 'r-10', SELLER),
    );
    expect(accesses).toHaveLength(1);
    expect(accesses[0]!.full).toBe(false);
    expect(accesses[0]!.detail).toMatch(/step_instances_record_open/);
    // r-10's steps are the seller's: one waiting, one due. r-11's are someone else's. Only completed and skipped
    // steps would not make the seller an assignee.
    expect(await hasOpenStepAssigned(store.db, ORG_ID, 'r-10', SELLER)).toBe(true);
    expect(await hasOpenStepAssigned(store.db, ORG_ID, 'r-11', SELLER)).toBe(false);
    await store.db
      .updateTable('step_instances')
      .set({ status: 'completed' })
      .where('record_id', '=', 'r-10')
      .execute();
    expect(await hasOpenStepAssigned(store.db, ORG_ID, 'r-10', SELLER)).toBe(false);
  });

  it("the organisation's sends since a time read sent messages through the sent-time index", async () => {
    const since = T0 + ROWS - 100;
    const accesses = await explainAccesses(store.db, dialect, orgSendsSinceQuery(store.db, ORG_ID, since));
    expect(accesses).toHaveLength(1);
    expect(accesses[0]!.full).toBe(false);
    expect(accesses[0]!.detail).toMatch(/outbound_messages_sent/);
    const sends = await orgSendsSince(store.db, ORG_ID, since);
    expect(sends.map((s) => s.to_address).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `lead${ROWS - 100 + i * 10}@example.com`).sort(),
    );
  });
});

/** HOT updates the current transaction made on `table` (PostgreSQL's per-transaction statistics). */
async function hotUpdates(store: Store, table: string): Promise<number> {
  const { rows } = await sql<{ n: string }>`
    SELECT pg_stat_get_xact_tuples_hot_updated(${table}::regclass) AS n`.execute(store.db);
  return Number(rows[0]!.n);
}

describe('0030 fill factors (postgres)', () => {
  let store: Store;
  beforeAll(async () => {
    store = await freshStore('postgres');
    await seedWorld(store, T0);
  }, 120_000);
  afterAll(async () => {
    await store.close();
  });

  it('a batch of engine updates to records and connections written together stays HOT (no index entries)', async () => {
    const def = definition({ start: 'n0', nodes: [{ id: 'n0', kind: 'phone_call', next: null }] });
    const { sequenceId, versionId } = await insertSequence(store, def);
    const records = Array.from({ length: 400 }, (_, i) =>
      recordRow({ id: `hot-${String(i).padStart(4, '0')}`, name: `Lead ${i}`, custom_json: '{}' }),
    );
    const connections = records.map((record) => connectionRow(record, sequenceId, versionId));
    // One transaction, as a worker's batch: the old versions cannot be pruned before it commits, so each page
    // needs room for the new versions of all its rows.
    await store.db.transaction().execute(async (trx) => {
      await insertRows(trx, 'records', records);
      await insertRows(trx, 'connections', connections);
      const trxStore = { ...store, db: trx };
      await updateManyRecordFields(
        trx,
        records.map((r) => ({ orgId: ORG_ID, id: r.id, changes: { custom_json: '{"stage":"contacted"}' } })),
        T0 + 1,
      );
      await updateConnections(
        trx,
        'postgres',
        connections.map((c) => ({
          orgId: ORG_ID,
          id: c.id,
          status: 'active',
          stateJson: c.state_json.replace('"visited":[]', '"visited":["n0"]'),
          currentNodeId: 'n0',
          reason: null,
          endedAt: null,
          updatedAt: T0 + 1,
          keepsStatus: true,
        })),
      );
      // With no free room in their pages (before 0030) none of the 400 record updates was HOT. Record rows grow
      // here, so not all fit: at least half must.
      expect(await hotUpdates(trxStore, 'records')).toBeGreaterThanOrEqual(200);
      expect(await hotUpdates(trxStore, 'connections')).toBeGreaterThanOrEqual(350);
    });
    const updated = await store.db
      .selectFrom('records')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('custom_json', '=', '{"stage":"contacted"}')
      .executeTakeFirstOrThrow();
    expect(Number(updated.n)).toBe(400);
  });
});
