import type { Kysely } from 'kysely';
import type { DialectName } from '../db.ts';
import { analyzeTables, optimizeLikeARunningStore } from '../queries/explain.ts';
import type { Database } from '../schema.ts';

/** The tables a bulk connect fills and the engine then reads by plan: connections, their tasks and steps. */
const ENGINE_TABLES = ['connections', 'scheduled_tasks', 'step_instances'];

/**
 * Refreshes the planner's statistics of the engine's tables now, instead of when autovacuum (PostgreSQL, about a
 * minute later) or the hourly `optimize` (SQLite) gets to them. Right after a large bulk connect the planner
 * would otherwise still plan for the empty tables: each engine batch then sorted every due task and read every
 * connection of the organisation to lock a few (cost per batch growing with the backlog; BENCHMARKS.md, growth).
 */
export async function refreshEngineStatistics(db: Kysely<Database>, dialect: DialectName): Promise<void> {
  if (dialect === 'sqlite') await optimizeLikeARunningStore(db, dialect);
  else await analyzeTables(db, dialect, ENGINE_TABLES);
}
