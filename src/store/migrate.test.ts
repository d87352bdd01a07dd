import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { dialects, freshStore } from '../../test/support/databases.ts';

describe.each(dialects)('migrations on %s', (dialect) => {
  it('creates every table and enforces one live connection per record', async () => {
    const store = await freshStore(dialect);
    try {
      const base = {
        org_id: 'o1',
        record_id: 'r1',
        sequence_id: 's1',
        version_id: 'v1',
        state_json: '{}',
        owner_id: 'u1',
        connected_by: 'u1',
        connected_at: 1,
        updated_at: 1,
      };
      await store.db
        .insertInto('connections')
        .values({ ...base, id: 'c1', status: 'completed' })
        .execute();
      await store.db
        .insertInto('connections')
        .values({ ...base, id: 'c2', status: 'active' })
        .execute();
      await expect(
        store.db
          .insertInto('connections')
          .values({ ...base, id: 'c3', status: 'paused' })
          .execute(),
      ).rejects.toThrow(/unique|UNIQUE/);
      const big = Date.UTC(2030, 0, 1);
      const row = await store.db
        .selectFrom('connections')
        .select(['connected_at', sql<number>`${big}`.as('big')])
        .where('id', '=', 'c2')
        .executeTakeFirstOrThrow();
      expect(row.connected_at).toBe(1);
      expect(Number(row.big)).toBe(big);
    } finally {
      await store.close();
    }
  });
});
