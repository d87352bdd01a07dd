import { CompiledQuery } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRecordsPage } from '../../src/store/connections/open-records.ts';
import type { Store } from '../../src/store/db.ts';
import { explainAccesses } from '../../src/store/queries/explain.ts';
import { sellerCountsQuery } from '../../src/store/repos/insights-repo.ts';
import { insertRows } from '../../src/store/seed/insert-rows.ts';
import { definition, insertSequence, recordRow, T0 } from '../engine/engine-fixtures.ts';
import { stepInstanceRow } from '../support/connection-row.ts';
import { dialects, freshStore } from '../support/databases.ts';
import { ORG_ID, seedWorld, USERS } from '../support/world.ts';

/**
 * Plans of two reads that must not grow with the organisation, on a freshly loaded database (no statistics yet,
 * as right after an import): a bulk connect's next chunk of open records reads only that chunk, in id order,
 * and Insights' seller counts read the sellers' own steps, not every step of the organisation.
 */
const RECORDS = 3000;
const SELLER = USERS.eastSeller.id;
const SELLER2 = USERS.eastSeller2.id;
const ownerOf = (i: number) => (i % 30 === 0 ? SELLER : i % 30 === 1 ? SELLER2 : `owner-${i % 30}`);

async function seed(store: Store): Promise<void> {
  await seedWorld(store, T0);
  if (store.dialect === 'postgres') {
    // The plans are checked as right after an import, before statistics exist: keep autovacuum from analysing
    // the tables mid-test (on a busy machine it did, and the plan it then chose is a different test).
    for (const table of ['records', 'step_instances']) {
      await store.db.executeQuery(CompiledQuery.raw(`ALTER TABLE ${table} SET (autovacuum_enabled = false)`));
    }
  }
  const def = definition({ start: 'n0', nodes: [{ id: 'n0', kind: 'phone_call', next: null }] });
  const { sequenceId } = await insertSequence(store, def);
  const records = Array.from({ length: RECORDS }, (_, i) =>
    recordRow({ id: `r-${String(i).padStart(5, '0')}`, name: `Lead ${i}`, owner_id: `owner-${i % 30}` }),
  );
  await insertRows(store.db, 'records', records);
  const steps = records.map((record, i) =>
    stepInstanceRow({
      id: `s-${i}`,
      connection_id: `c-${i}`,
      record_id: record.id,
      sequence_id: sequenceId,
      node_id: 'n0',
      kind: 'phone_call',
      name: 'Call',
      status: i % 4 === 0 ? 'due' : 'completed',
      owner_id: ownerOf(i),
      completed_at: i % 4 === 0 ? null : T0,
    }),
  );
  await insertRows(store.db, 'step_instances', steps);
}

describe.each(dialects)('footprint query plans (%s)', (dialect) => {
  let store: Store;
  beforeAll(async () => {
    store = await freshStore(dialect);
    await seed(store);
  }, 120_000);
  afterAll(async () => {
    await store.close();
  });

  it("a bulk connect's next chunk is an index range in id order, with no sort of the remaining records", async () => {
    const query = openRecordsPage(store.db, {
      orgId: ORG_ID,
      recordType: 'lead',
      withoutSequence: false,
      scope: { kind: 'all' },
      after: 'r-01500',
      limit: 500,
    }).selectAll('r');
    const accesses = await explainAccesses(store.db, dialect, query);
    expect(accesses).toHaveLength(1);
    expect(accesses[0]!.full).toBe(false);
    expect(accesses[0]!.detail).toMatch(/records_type_scan/);
    const plan = await rawPlan(store, query.compile());
    expect(plan).not.toMatch(/TEMP B-TREE|"Node Type": "Sort"/);
    const page = await query.execute();
    expect(page.map((r) => r.id)).toEqual(
      Array.from({ length: 500 }, (_, i) => `r-${String(1501 + i).padStart(5, '0')}`),
    );
  });

  it("Insights' seller counts read the sellers' steps through an index", async () => {
    const query = sellerCountsQuery(store.db, ORG_ID, [SELLER, SELLER2], T0 - 1, T0 + 1);
    const accesses = await explainAccesses(store.db, dialect, query);
    const steps = accesses.filter((a) => a.names.includes('s') || a.names.includes('step_instances'));
    expect(steps).toHaveLength(1);
    expect(steps[0]!.full).toBe(false);
    expect(steps[0]!.detail).toMatch(/step_instances_owner/);
    const rows = await query.execute();
    expect(rows.map((r) => r.owner_id).sort()).toEqual([SELLER, SELLER2].sort());
    const open = Object.fromEntries(rows.map((r) => [r.owner_id, Number(r.open)]));
    expect(open).toEqual({ [SELLER]: 50, [SELLER2]: 0 });
  });
});

async function rawPlan(store: Store, compiled: { sql: string; parameters: readonly unknown[] }) {
  const prefix = store.dialect === 'sqlite' ? 'EXPLAIN QUERY PLAN' : 'EXPLAIN (FORMAT JSON)';
  const result = await store.db.executeQuery(
    CompiledQuery.raw(`${prefix} ${compiled.sql}`, [...compiled.parameters]),
  );
  return JSON.stringify(result.rows);
}
