import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  findBulkJob,
  insertBulkJob,
  loadBulkJob,
  saveJobProgress,
} from '../../src/store/bulk-jobs/bulk-job-rows.ts';
import { claimBulkJob } from '../../src/store/bulk-jobs/claim-bulk-job.ts';
import type { Store } from '../../src/store/db.ts';
import { SELLER, T0 } from '../engine/engine-fixtures.ts';
import { dialects, freshStore } from '../support/databases.ts';
import { ORG_ID, seedWorld } from '../support/world.ts';

const LEASE = 60_000;

describe.each(dialects)('bulk job store modules on %s', (dialect) => {
  let store: Store;
  beforeEach(async () => {
    store = await freshStore(dialect);
    await seedWorld(store, T0);
  });
  afterEach(() => store.close());

  const job = (id: string, kind: string, now = T0) =>
    insertBulkJob(store.db, {
      orgId: ORG_ID,
      id,
      kind,
      paramsJson: JSON.stringify({ big: 'x'.repeat(100) }),
      resultJson: '{}',
      total: 10,
      createdBy: SELLER,
      now,
    });

  it('gives each queued job to one of several racing workers, oldest first, by kind', async () => {
    await job('j-connect-1', 'connect', T0);
    await job('j-import', 'import', T0 + 1);
    await job('j-connect-2', 'connect', T0 + 2);
    const claims = await Promise.all(
      ['w1', 'w2', 'w3'].map((workerId) =>
        claimBulkJob(store.db, { kind: 'connect', workerId, now: T0 + 10, leaseMs: LEASE }),
      ),
    );
    const claimed = claims.flatMap((c) => (c ? [c.id] : []));
    expect(claimed.sort()).toEqual(['j-connect-1', 'j-connect-2']);
    const row = await findBulkJob(store.db, ORG_ID, 'j-connect-1');
    expect(row).toMatchObject({ status: 'running', lease_until: T0 + 10 + LEASE });
    expect((await findBulkJob(store.db, ORG_ID, 'j-import'))?.status).toBe('queued');
    expect(
      await claimBulkJob(store.db, { kind: 'connect', workerId: 'w4', now: T0 + 20, leaseMs: LEASE }),
    ).toBe(undefined);
  });

  it('lets the holder claim again, another worker only once the lease has run out, and keeps to jobId', async () => {
    await job('j-1', 'connect');
    await job('j-2', 'connect', T0 + 1);
    const only2 = await claimBulkJob(store.db, {
      kind: 'connect',
      workerId: 'a',
      now: T0,
      leaseMs: LEASE,
      jobId: 'j-2',
    });
    expect(only2?.id).toBe('j-2');
    await claimBulkJob(store.db, { kind: 'connect', workerId: 'a', now: T0, leaseMs: LEASE });
    expect(
      (await claimBulkJob(store.db, { kind: 'connect', workerId: 'a', now: T0 + 5, leaseMs: LEASE }))?.id,
    ).toBe('j-1');
    expect(
      await claimBulkJob(store.db, { kind: 'connect', workerId: 'b', now: T0 + LEASE - 1, leaseMs: LEASE }),
    ).toBe(undefined);
    const taken = await claimBulkJob(store.db, {
      kind: 'connect',
      workerId: 'b',
      now: T0 + 2 * LEASE,
      leaseMs: LEASE,
    });
    expect(taken?.id).toBe('j-1');
    expect((await findBulkJob(store.db, ORG_ID, 'j-1'))?.lease_owner).toBe('b');
  });

  it('saves progress only for the lease holder and gives the lease up when the job ends', async () => {
    await job('j-1', 'connect');
    const claimed = (await claimBulkJob(store.db, {
      kind: 'connect',
      workerId: 'a',
      now: T0,
      leaseMs: LEASE,
    }))!;
    const progress = {
      status: 'running' as const,
      total: 10,
      processed: 4,
      succeeded: 3,
      failed: 1,
      resultJson: '{"cursor":4}',
      leaseUntil: T0 + 99,
      now: T0 + 1,
    };
    expect(await saveJobProgress(store.db, claimed, 'intruder', progress)).toBe(false);
    expect(await saveJobProgress(store.db, claimed, 'a', progress)).toBe(true);
    const light = await loadBulkJob(store.db, claimed, { withParams: false });
    expect(light).toMatchObject({
      processed: 4,
      succeeded: 3,
      failed: 1,
      lease_owner: 'a',
      lease_until: T0 + 99,
    });
    expect(light?.params_json).toBeUndefined();
    const full = await loadBulkJob(store.db, claimed, { withParams: true });
    expect(JSON.parse(full!.params_json!)).toEqual({ big: 'x'.repeat(100) });

    expect(
      await saveJobProgress(store.db, claimed, 'a', { ...progress, status: 'done', processed: 10 }),
    ).toBe(true);
    expect(await findBulkJob(store.db, ORG_ID, 'j-1')).toMatchObject({
      status: 'done',
      processed: 10,
      lease_owner: null,
      lease_until: null,
    });
    expect(
      await claimBulkJob(store.db, { kind: 'connect', workerId: 'a', now: T0 + 2, leaseMs: LEASE }),
    ).toBe(undefined);
  });
});
