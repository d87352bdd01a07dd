import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/db.ts';
import { freshStore } from '../support/databases.ts';
import { createWorld, type World } from '../support/world.ts';

/**
 * A full disk on SQLite, simulated with `max_page_count` (the file may not grow past its current size). SQLite
 * rolls the transaction back by itself on SQLITE_FULL; the error must name that cause, not the follow-up
 * "cannot rollback - no transaction is active".
 */
async function capAtCurrentSize(store: Store, extraPages = 0): Promise<void> {
  const result = await sql<{ page_count: number }>`pragma page_count`.execute(store.db);
  const pages = result.rows[0]!.page_count;
  await sql.raw(`pragma max_page_count = ${pages + extraPages}`).execute(store.db);
}

describe('SQLite with a full disk', () => {
  let store: Store;
  beforeAll(async () => {
    store = await freshStore('sqlite', { file: true });
  });
  afterAll(() => store.close());

  it('a failed transaction reports "database or disk is full", and the database stays usable', async () => {
    await capAtCurrentSize(store, 2);
    const write = store.db.transaction().execute(async (trx) => {
      for (let i = 0; i < 500; i++) {
        await trx
          .insertInto('orgs')
          .values({ id: `org-${i}`, name: 'x'.repeat(4000), settings_json: '{}', created_at: 0 })
          .execute();
      }
    });
    await expect(write).rejects.toMatchObject({ code: 'SQLITE_FULL', message: 'database or disk is full' });
    // Nothing of the failed transaction is left, and reads and the next transaction work.
    const left = await store.db.selectFrom('orgs').select('id').execute();
    expect(left).toEqual([]);
    await store.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('orgs')
        .values({ id: 'small', name: 'ok', settings_json: '{}', created_at: 0 })
        .execute();
    });
    expect(await store.db.selectFrom('orgs').select('id').execute()).toEqual([{ id: 'small' }]);
  });
});

describe('the API on a full SQLite disk', () => {
  let world: World;
  beforeAll(async () => {
    world = await createWorld('sqlite', { file: true });
  });
  afterAll(() => world.close());

  it('answers 507 storage_full naming the cause instead of a bare 500', async () => {
    await capAtCurrentSize(world.store);
    let response = await world.as('eastSeller', 'POST', '/api/records', { type: 'lead', name: 'First' });
    for (let i = 0; response.statusCode === 201 && i < 2000; i++) {
      response = await world.as('eastSeller', 'POST', '/api/records', {
        type: 'lead',
        name: `Lead ${i}`,
        company: 'c'.repeat(200),
      });
    }
    expect(response.statusCode).toBe(507);
    expect(response.json()).toMatchObject({
      code: 'storage_full',
      detail: expect.stringContaining('database or disk is full'),
    });
    // Reading still works: the records written before the disk filled up are there.
    const list = await world.as('eastSeller', 'GET', '/api/records?type=lead');
    expect(list.statusCode).toBe(200);
  });
});
