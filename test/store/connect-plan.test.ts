import { CompiledQuery } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertNewConnections } from '../../src/store/connections/insert-new-connections.ts';
import { connectablePageMarkingLive } from '../../src/store/connections/open-records.ts';
import type { Store } from '../../src/store/db.ts';
import { analyzeTables, explainAccesses } from '../../src/store/queries/explain.ts';
import { insertRows } from '../../src/store/seed/insert-rows.ts';
import { definition, insertSequence, recordRow, T0 } from '../engine/engine-fixtures.ts';
import { connectionRow } from '../support/connection-row.ts';
import { dialects, freshStore } from '../support/databases.ts';
import { ORG_ID, seedWorld } from '../support/world.ts';

/**
 * A bulk connect's chunk reads its page of open records and, in the same statement, whether each already has a
 * live connection. Halfway through a big job most of the organisation's records do: the check must probe the
 * page's records (at most one index entry each), not read every live connection once per chunk, which made the
 * job's cost grow with the square of its size. Freshly loaded tables, no statistics: as in a running job.
 */
const RECORDS = 3000;
const CONNECTED = 2000;
const id = (i: number) => `r-${String(i).padStart(5, '0')}`;

describe.each(dialects)('bulk connect reads and writes (%s)', (dialect) => {
  let store: Store;
  beforeAll(async () => {
    store = await freshStore(dialect);
    await seedWorld(store, T0);
    const sequence = await insertSequence(
      store,
      definition({ start: 'n0', nodes: [{ id: 'n0', kind: 'phone_call', next: null }] }),
    );
    const records = Array.from({ length: RECORDS }, (_, i) => recordRow({ id: id(i), name: `Lead ${i}` }));
    await insertRows(store.db, 'records', records);
    const rows = records
      .slice(0, CONNECTED)
      .map((record) => connectionRow(record, sequence.sequenceId, sequence.versionId));
    // Statistics taken early in the job (autovacuum analyses a table after its first 50 rows), then the rest.
    expect((await insertNewConnections(store.db, rows.slice(0, 60))).size).toBe(60);
    await analyzeTables(store.db, dialect, ['records', 'connections']);
    expect((await insertNewConnections(store.db, rows.slice(60))).size).toBe(CONNECTED - 60);
  }, 120_000);
  afterAll(async () => {
    await store.close();
  });

  it("a chunk's live-connection check probes the page's records, not every live connection", async () => {
    const page = {
      orgId: ORG_ID,
      recordType: 'lead' as const,
      withoutSequence: false,
      scope: { kind: 'all' as const },
    };
    const query = connectablePageMarkingLive(store.db, { ...page, after: id(1500), limit: 500 });
    const rows = await query.execute();
    expect(rows.map((r) => r.id)).toEqual(Array.from({ length: 500 }, (_, i) => id(1501 + i)));
    // r-01501 … r-01999 are connected, r-02000 and after are not.
    expect(rows.filter((r) => r.live_connection).map((r) => r.id)).toEqual(
      Array.from({ length: CONNECTED - 1501 }, (_, i) => id(1501 + i)),
    );

    const connections = (await explainAccesses(store.db, dialect, query)).filter((a) =>
      a.names.some((name) => name === 'c' || name === 'connections'),
    );
    expect(connections).toHaveLength(1);
    expect(connections[0]!.full).toBe(false);
    if (dialect === 'sqlite') {
      expect(connections[0]!.detail).toMatch(/record_id=\?/);
      return;
    }
    // PostgreSQL: what the plan actually read from connections, summed over its executions.
    const compiled = query.compile();
    const result = await store.db.executeQuery<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(
      CompiledQuery.raw(`EXPLAIN (ANALYZE, FORMAT JSON) ${compiled.sql}`, [...compiled.parameters]),
    );
    const read = connectionRowsRead(result.rows[0]!['QUERY PLAN'][0]!.Plan);
    expect(read).toBeLessThanOrEqual(500);
  });
});

interface PlanNode {
  'Relation Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  Plans?: PlanNode[];
}

function connectionRowsRead(node: PlanNode): number {
  const own =
    node['Relation Name'] === 'connections' ? (node['Actual Rows'] ?? 0) * (node['Actual Loops'] ?? 1) : 0;
  return own + (node.Plans ?? []).reduce((sum, child) => sum + connectionRowsRead(child), 0);
}
