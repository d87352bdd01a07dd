import { describe, expect, it } from 'vitest';
import { FakeClock, MINUTE } from '../../src/engine/clock.ts';
import { connectRecords } from '../../src/engine/connect-records.ts';
import { MAX_TASK_ATTEMPTS, processTasks } from '../../src/engine/process-tasks.ts';
import { startEngineWorker } from '../../src/engine/worker.ts';
import { type DialectName, openStore, type Store } from '../../src/store/db.ts';
import { appliedMigrations, knownMigrations, migrateToLatest, migrateUpTo } from '../../src/store/migrate.ts';
import {
  inTransaction,
  loadOrgPolicy,
  loadSequenceForConnect,
} from '../../src/store/repos/connections-repo.ts';
import { claimDueTasks } from '../../src/store/repos/engine-repo.ts';
import { loadActor } from '../../src/store/repos/identity-repo.ts';
import { insertRows } from '../../src/store/seed/insert-rows.ts';
import {
  definition,
  insertSequence,
  recordRow,
  SELLER,
  seedEngineWorld,
  T0,
} from '../engine/engine-fixtures.ts';
import { createPostgresDatabase, dialects } from '../support/databases.ts';
import { ORG_ID } from '../support/world.ts';

/**
 * Upgrading from schema 0024 through migration 0025 (engine indexes, claims inside the batch transaction) and
 * later ones with 10,000 connections in flight: at schema 0024, all are connected through the production bulk
 * path and 1,000 are leased by a worker that died before the upgrade; after it, 3,000 are advanced by the old
 * leased path (an open call step each, an email queued) and 6,000 wait. After the migration the new engine finishes everything: every connection ends exactly
 * like the ones finished before the upgrade, nothing is lost and no email is queued twice.
 */
const CONNECTIONS = 10_000;
const LEASE_MS = 60_000;
const def = definition({
  start: 'm1',
  nodes: [
    { id: 'm1', kind: 'automated_email', templateId: 'tpl-1', next: 'call' },
    { id: 'call', kind: 'phone_call', next: null },
  ],
});

async function storeAt0024(dialect: DialectName): Promise<Store> {
  const store = openStore(dialect === 'postgres' ? await createPostgresDatabase() : 'sqlite::memory:');
  await migrateUpTo(store.db, '0024_oauth_mailboxes');
  return store;
}

async function connectAll(store: Store, sequenceId: string, now: number): Promise<void> {
  const records = Array.from({ length: CONNECTIONS }, (_, i) =>
    recordRow({ id: `up-${i}`, name: `Lead ${i}`, email: `lead${i}@example.com` }, now),
  );
  await insertRows(store.db, 'records', records);
  const [actor, sequence, policy] = await Promise.all([
    loadActor(store.db, ORG_ID, SELLER),
    loadSequenceForConnect(store.db, ORG_ID, sequenceId),
    loadOrgPolicy(store.db, ORG_ID),
  ]);
  if (!actor || !sequence) throw new Error('fixture: no actor or sequence');
  for (let i = 0; i < CONNECTIONS; i += 2_000) {
    const recordIds = records.slice(i, i + 2_000).map((r) => r.id);
    const outcomes = await inTransaction(store.db, (trx) =>
      connectRecords(trx, { orgId: ORG_ID, sequence, actor, policy, recordIds, now, source: 'bulk' }),
    );
    expect(outcomes.filter((o) => o.status !== 'connected')).toEqual([]);
  }
}

/** Per connection: status, node, steps, emails and timeline entries, as one comparable line. */
async function shapes(store: Store): Promise<Map<string, string>> {
  const count = async (table: 'outbound_messages' | 'step_instances' | 'timeline_events') =>
    new Map(
      (
        await store.db
          .selectFrom(table)
          .select((eb) => ['connection_id', eb.fn.countAll<number>().as('n')])
          .groupBy('connection_id')
          .execute()
      ).map((r) => [r.connection_id, Number(r.n)]),
    );
  const [emails, steps, timeline] = await Promise.all([
    count('outbound_messages'),
    count('step_instances'),
    count('timeline_events'),
  ]);
  const open = new Map(
    (
      await store.db
        .selectFrom('step_instances')
        .select(['connection_id', 'node_id'])
        .where('status', '=', 'due')
        .execute()
    ).map((r) => [r.connection_id, r.node_id]),
  );
  const connections = await store.db
    .selectFrom('connections')
    .select(['id', 'status', 'current_node_id'])
    .execute();
  return new Map(
    connections.map((c) => [
      c.id,
      `${c.status} at ${c.current_node_id}; open ${open.get(c.id)}; steps ${steps.get(c.id)}; emails ${emails.get(c.id)}; timeline ${timeline.get(c.id)}`,
    ]),
  );
}

function latestMigration(): string {
  return knownMigrations().at(-1) ?? '';
}

describe.each(dialects)('upgrade from 0024 to the latest schema with work in flight (%s)', (dialect) => {
  it(`finishes ${CONNECTIONS} in-flight connections exactly once after the migration`, async () => {
    const store = await storeAt0024(dialect);
    try {
      const clock = new FakeClock(T0);
      const deps = { ...(await seedEngineWorld(store, clock)), workerId: 'old-worker' };
      const { sequenceId } = await insertSequence(store, def);
      await connectAll(store, sequenceId, clock.now());

      // Before the upgrade a worker dies holding 1,000 leased tasks; all 10,000 are in flight.
      const held = await claimDueTasks(store, 'dead-worker', clock.now(), LEASE_MS, 1_000, MAX_TASK_ATTEMPTS);
      expect(held).toHaveLength(1_000);

      await migrateToLatest(store.db);
      const applied = await appliedMigrations(store.db);
      expect(applied).toContain('0025_engine_indexes');
      expect(applied.at(-1)).toBe(latestMigration());

      // During the rolling restart a worker still on the leased path finishes 3,000 (the code it runs needs the
      // later migrations' columns, so it runs after them).
      for (let done = 0; done < 3_000; done += 1_000) {
        const batch = await claimDueTasks(
          store,
          'old-worker',
          clock.now(),
          LEASE_MS,
          1_000,
          MAX_TASK_ATTEMPTS,
        );
        expect(batch).toHaveLength(1_000);
        await processTasks(deps, batch);
      }
      const before = await shapes(store);
      const finished = [...before.values()].filter((s) => s.startsWith('active at call'));
      expect(finished).toHaveLength(3_000);
      const control = finished[0];
      expect(new Set(finished)).toEqual(new Set([control]));

      // The new engine runs: 6,000 fresh tasks in batches, then, once the dead worker's lease has ended, its 1,000.
      const worker = { ...deps, workerId: 'new-worker' };
      expect(await startEngineWorker(worker, { loop: false }).drain()).toBe(6_000);
      clock.advance(LEASE_MS + MINUTE);
      expect(await startEngineWorker(worker, { loop: false }).drain()).toBe(1_000);

      const after = await shapes(store);
      expect(after.size).toBe(CONNECTIONS);
      const different = [...after.entries()].filter(([, shape]) => shape !== control);
      expect(different).toEqual([]);
      // Connections finished before the upgrade were not touched again.
      for (const [id, shape] of before) if (shape === control) expect(after.get(id)).toBe(control);
      const tasks = await store.db
        .selectFrom('scheduled_tasks')
        .select((eb) => ['status', eb.fn.countAll<number>().as('n')])
        .groupBy('status')
        .execute();
      expect(tasks.map((t) => [t.status, Number(t.n)])).toEqual([['done', CONNECTIONS]]);
      const idempotency = await store.db
        .selectFrom('outbound_messages')
        .select((eb) => eb.fn.count<number>('idempotency_key').distinct().as('n'))
        .executeTakeFirstOrThrow();
      expect(Number(idempotency.n)).toBe(CONNECTIONS);
    } finally {
      await store.close();
    }
  }, 180_000);
});
