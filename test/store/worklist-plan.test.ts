import type { Insertable } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/db.ts';
import {
  analyzeTables,
  explainAccesses,
  optimizeLikeARunningStore,
} from '../../src/store/queries/explain.ts';
import { overdueStepsQuery } from '../../src/store/repos/overdue-steps-repo.ts';
import { type WorklistFilter, worklistQuery } from '../../src/store/repos/worklist-repo.ts';
import type { ConnectionsTable, StepInstancesTable } from '../../src/store/schema.ts';
import { insertRows } from '../../src/store/seed/insert-rows.ts';
import { definition, insertSequence, recordRow, T0 } from '../engine/engine-fixtures.ts';
import { dialects, freshStore } from '../support/databases.ts';
import { ORG_ID, seedWorld, USERS } from '../support/world.ts';

/**
 * The work list stays fast however much the organisation holds: under every filter and sort the API offers, the
 * plan reads step instances and connections through an index, never a full scan. 40 owners × 250 connections ×
 * 4 steps (three completed, one due), analysed, so the planner has a real choice.
 */
const OWNERS = 40;
const PER_OWNER = 250;
const DAY = 86_400_000;
const SELLER = USERS.eastSeller.id;

async function seedSteps(store: Store): Promise<string> {
  await seedWorld(store, T0);
  const def = definition({ start: 'n0', nodes: [{ id: 'n0', kind: 'phone_call', next: null }] });
  const { sequenceId, versionId } = await insertSequence(store, def);
  const kinds = ['phone_call', 'email', 'task', 'linkedin_connect'];
  const owners = [SELLER, ...Array.from({ length: OWNERS - 1 }, (_, i) => `owner-${i}`)];
  for (const [o, owner] of owners.entries()) {
    const records = [];
    const connections: Insertable<ConnectionsTable>[] = [];
    const steps: Insertable<StepInstancesTable>[] = [];
    for (let i = 0; i < PER_OWNER; i++) {
      const id = `${o}-${i}`;
      records.push(
        recordRow({ id: `r-${id}`, name: `Record ${id}`, type: i % 3 === 0 ? 'contact' : 'lead' }),
      );
      connections.push({
        org_id: ORG_ID,
        id: `c-${id}`,
        record_id: `r-${id}`,
        sequence_id: sequenceId,
        version_id: versionId,
        status: 'active',
        state_json: '{}',
        current_node_id: 'n3',
        reason: null,
        owner_id: owner,
        connected_by: owner,
        connected_at: T0 - 20 * DAY,
        ended_at: null,
        updated_at: T0,
      });
      for (let n = 0; n < 4; n++) {
        steps.push({
          org_id: ORG_ID,
          id: `s-${id}-${n}`,
          connection_id: `c-${id}`,
          record_id: `r-${id}`,
          sequence_id: sequenceId,
          node_id: `n${n}`,
          kind: kinds[(i + n) % kinds.length] as string,
          name: `Step ${n + 1}`,
          status: n === 3 ? 'due' : 'completed',
          owner_id: owner,
          due_at: n === 3 ? T0 + (((i * 7919) % 40) - 10) * DAY : T0 - (20 - n) * DAY,
          priority: 0,
          outcome: null,
          note: null,
          variant: null,
          completed_at: n === 3 ? null : T0 - (20 - n) * DAY,
          completed_by: n === 3 ? null : owner,
          read_at: i % 5 === 0 ? T0 : null,
          created_at: T0 - 20 * DAY,
          updated_at: T0,
        });
      }
    }
    await insertRows(store.db, 'records', records);
    await insertRows(store.db, 'connections', connections);
    await insertRows(store.db, 'step_instances', steps);
  }
  await insertRows(store.db, 'record_follows', [
    { org_id: ORG_ID, user_id: SELLER, record_id: 'r-0-1', created_at: T0 },
  ]);
  // PostgreSQL: what autovacuum would do after the load. SQLite: what an open store does by itself (db.ts), not a
  // hand-run ANALYZE, so the plans are the ones a running server gets.
  if (store.dialect === 'postgres')
    await analyzeTables(store.db, store.dialect, [
      'records',
      'connections',
      'step_instances',
      'record_follows',
    ]);
  else await optimizeLikeARunningStore(store.db, store.dialect);
  return sequenceId;
}

describe.each(dialects)('work-list query plans (%s)', (dialect) => {
  let store: Store;
  let sequenceId: string;
  beforeAll(async () => {
    store = await freshStore(dialect);
    sequenceId = await seedSteps(store);
  }, 120_000);
  afterAll(async () => {
    await store.close();
  });

  const base = (): WorklistFilter => ({
    orgId: ORG_ID,
    ownerId: SELLER,
    viewerId: SELLER,
    dueFrom: null,
    dueTo: T0 + DAY,
    sort: 'due',
    limit: 50,
  });
  const filters: [string, () => Partial<WorklistFilter>][] = [
    ['due (default)', () => ({})],
    ['due today', () => ({ dueFrom: T0 - 9 * 3_600_000 })],
    ['upcoming week', () => ({ dueFrom: T0, dueTo: T0 + 7 * DAY })],
    ['kind', () => ({ kinds: ['phone_call'] })],
    ['record type', () => ({ recordTypes: ['contact'] })],
    ['sequence', () => ({ sequenceIds: [sequenceId] })],
    ['unread', () => ({ unread: true })],
    ['followed', () => ({ followed: true })],
    ['next page', () => ({ after: { d: T0 - 5 * DAY, p: 0, i: 's-0-5-3' } })],
    ['sorted by record name', () => ({ sort: 'record_name' })],
    ['sorted by record type', () => ({ sort: 'record_type' })],
    ['sorted by sequence', () => ({ sort: 'sequence' })],
    [
      'sorted by name, next page',
      () => ({ sort: 'record_name', after: { k: 'Record 0-1', d: T0, p: 0, i: 's' } }),
    ],
    [
      'everything at once',
      () => ({
        kinds: ['email'],
        recordTypes: ['lead'],
        sequenceIds: [sequenceId],
        unread: true,
        followed: true,
      }),
    ],
  ];

  it.each(filters)('%s: reads step instances and connections through an index', async (_name, extra) => {
    const query = worklistQuery(store.db, { ...base(), ...extra() });
    const accesses = await explainAccesses(store.db, dialect, query);
    const stepAccess = accesses.filter((a) => a.names.includes('si') || a.names.includes('step_instances'));
    const connectionAccess = accesses.filter((a) => a.names.includes('c') || a.names.includes('connections'));
    expect(stepAccess.length).toBeGreaterThan(0);
    expect(connectionAccess.length).toBeGreaterThan(0);
    expect([...stepAccess, ...connectionAccess].filter((a) => a.full)).toEqual([]);
    // Each access names the index it reads (the seller's open steps, or a followed record's steps).
    for (const access of [...stepAccess, ...connectionAccess]) expect(access.detail).toMatch(/using/i);
    // The seller's own open steps, not every due step in date order filtered by owner afterwards (the overdue
    // check's index; picked by SQLite without statistics, it made each page 20× slower at a million steps).
    for (const access of stepAccess) expect(access.detail).not.toMatch(/step_instances_due(\b|_open)/);
    if (dialect === 'sqlite')
      for (const access of stepAccess) expect(access.detail).toMatch(/step_instances_open/);
    // And the query still answers (the plan is of a real statement).
    const rows = await query.execute();
    expect(rows.every((r) => r.owner_id === SELLER && r.status === 'due')).toBe(true);
  });

  it('the overdue check reads the open steps by due time, not every step ever written', async () => {
    // Migration 0029: the overdue index holds due steps only, so the engine's completed and waiting step rows
    // (three of four per connection here) add no entry to it. The check reads a partial index of open steps (by
    // due time, or the sellers' open steps), never the full (status, due_at) index that 0029 dropped.
    const input = { cutoff: T0, lookbackMs: 7 * DAY, kinds: ['phone_call', 'task'], limit: 100 };
    const accesses = await explainAccesses(store.db, dialect, overdueStepsQuery(store.db, input));
    const stepAccess = accesses.filter((a) => a.names.includes('s') || a.names.includes('step_instances'));
    expect(stepAccess.length).toBeGreaterThan(0);
    for (const access of stepAccess) {
      expect(access.full).toBe(false);
      expect(access.detail).toMatch(/step_instances_(due_)?open\b/);
    }
    const rows = await overdueStepsQuery(store.db, input).execute();
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => (r.due_at ?? 0) < T0 && (r.due_at ?? 0) >= T0 - 7 * DAY)).toBe(true);
  });
});
