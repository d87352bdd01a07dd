import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBulkJobs } from '../../src/engine/bulk-connect.ts';
import { dialects } from '../support/databases.ts';
import { createWorld, type World } from '../support/world.ts';
import { CALLS_ONLY, insertRecords, insertSequence } from './helpers.ts';

/**
 * A large bulk connect leaves the planner with statistics for the engine's tables, so the engine's first batches
 * on the new connections are planned for what is there (not for the empty tables, where each batch sorted every
 * due task and read every connection of the organisation: BENCHMARKS.md, growth).
 */
async function plannerKnowsConnections(world: World): Promise<boolean> {
  if (world.store.dialect === 'sqlite') {
    const { rows } = await sql<{
      n: number;
    }>`SELECT count(*) AS n FROM sqlite_master WHERE name = 'sqlite_stat1'`.execute(world.store.db);
    if (Number(rows[0]?.n) === 0) return false;
    const stats = await sql<{
      n: number;
    }>`SELECT count(*) AS n FROM sqlite_stat1 WHERE tbl = 'connections'`.execute(world.store.db);
    return Number(stats.rows[0]?.n) > 0;
  }
  // reltuples is -1 until the table is first analysed (PostgreSQL 14+), then its estimated row count.
  const { rows } = await sql<{
    reltuples: number;
  }>`SELECT reltuples FROM pg_class WHERE relname = 'connections'`.execute(world.store.db);
  return Number(rows[0]?.reltuples) > 1000;
}

describe.each(dialects)('bulk connect and planner statistics (%s)', (dialect) => {
  let world: World;
  beforeAll(async () => {
    world = await createWorld(dialect);
  });
  afterAll(() => world.close());

  it('a job that connects many records refreshes the statistics of the engine tables when it ends', async () => {
    const { sequenceId } = await insertSequence(world, CALLS_ONLY);
    const ids = await insertRecords(world, 1200);
    const response = await world.as('eastSeller', 'POST', `/api/sequences/${sequenceId}/connections`, {
      recordIds: ids,
    });
    expect(response.statusCode, response.body).toBe(202);
    expect(await plannerKnowsConnections(world)).toBe(false);
    // The production threshold is 10,000 connections; this job is smaller, so the test lowers it.
    await runBulkJobs({
      store: world.store,
      clock: world.clock,
      chunkSize: 500,
      refreshStatisticsAfter: 1000,
    });
    const { jobId } = response.json();
    const job = (await world.as('eastSeller', 'GET', `/api/bulk-jobs/${jobId}`)).json();
    expect(job).toMatchObject({ status: 'done', succeeded: 1200 });
    expect(await plannerKnowsConnections(world)).toBe(true);
  });
});
