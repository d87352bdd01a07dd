import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/db.ts';
import {
  addSuppression,
  findSuppressions,
  listSuppressions,
  removeSuppression,
} from '../../src/store/repos/suppressions-repo.ts';
import { dialects, freshStore } from '../support/databases.ts';

describe.each(dialects)('the suppression list on %s', (dialect) => {
  let store: Store;
  beforeEach(async () => {
    store = await freshStore(dialect);
  });
  afterEach(async () => {
    await store.close();
  });

  const add = (
    orgId: string,
    address: string,
    now: number,
    reason: 'hard_bounce' | 'complaint' = 'hard_bounce',
  ) =>
    addSuppression(store.db, {
      orgId,
      address,
      reason,
      detail: '5.1.1 userunknown',
      outboundMessageId: null,
      createdBy: null,
      now,
    });

  it('keeps one row per organisation and address, case-insensitively, with the first reason', async () => {
    expect(await add('org_a', 'Lead@Example.org ', 1000)).toBe(true);
    expect(await add('org_a', 'lead@example.org', 2000, 'complaint')).toBe(false);
    expect(await add('org_b', 'lead@example.org', 3000)).toBe(true);
    const found = await findSuppressions(store.db, 'org_a', ['LEAD@example.org', 'other@example.org']);
    expect([...found.keys()]).toEqual(['lead@example.org']);
    expect(found.get('lead@example.org')).toMatchObject({ reason: 'hard_bounce', created_at: 1000 });
  });

  it('lists the newest first, searches, pages and removes within one organisation', async () => {
    await add('org_a', 'one@example.org', 1000);
    await add('org_a', 'two@example.org', 2000);
    await add('org_a', 'three@other.net', 3000);
    await add('org_b', 'four@example.org', 4000);
    const all = await listSuppressions(store.db, 'org_a', { limit: 10 });
    expect(all.map((row) => row.address)).toEqual(['three@other.net', 'two@example.org', 'one@example.org']);
    const search = await listSuppressions(store.db, 'org_a', { search: 'EXAMPLE', limit: 10 });
    expect(search.map((row) => row.address)).toEqual(['two@example.org', 'one@example.org']);
    const page = await listSuppressions(store.db, 'org_a', {
      limit: 1,
      after: { at: 3000, address: 'three@other.net' },
    });
    expect(page.map((row) => row.address)).toEqual(['two@example.org']);
    expect(await removeSuppression(store.db, 'org_b', 'one@example.org')).toBe(false);
    expect(await removeSuppression(store.db, 'org_a', 'ONE@example.org')).toBe(true);
    expect((await findSuppressions(store.db, 'org_a', ['one@example.org'])).size).toBe(0);
  });
});
