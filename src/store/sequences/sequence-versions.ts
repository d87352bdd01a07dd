import { type Kysely, sql } from 'kysely';
import { LIVE_STATUSES } from '../repos/connections-repo.ts';
import type { Database } from '../schema.ts';

/** Versions of a sequence and how many records each has connected. */

// ── Versions ──────────────────────────────────────────────────────────────────────────────────────────────
export async function listVersions(db: Kysely<Database>, orgId: string, sequenceId: string) {
  return db
    .selectFrom('sequence_versions as v')
    .leftJoin('users as u', (join) =>
      join.onRef('u.org_id', '=', 'v.org_id').onRef('u.id', '=', 'v.created_by'),
    )
    .select([
      'v.id',
      'v.version',
      'v.change_note',
      'v.created_by',
      'v.created_at',
      'u.name as created_by_name',
    ])
    .where('v.org_id', '=', orgId)
    .where('v.sequence_id', '=', sequenceId)
    .orderBy('v.version', 'desc')
    .execute();
}

export async function findVersion(db: Kysely<Database>, orgId: string, sequenceId: string, version: number) {
  return db
    .selectFrom('sequence_versions')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('sequence_id', '=', sequenceId)
    .where('version', '=', version)
    .executeTakeFirst();
}

export async function findVersionById(db: Kysely<Database>, orgId: string, id: string) {
  return db
    .selectFrom('sequence_versions')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function connectedCounts(db: Kysely<Database>, orgId: string, sequenceIds: string[]) {
  const map = new Map<string, number>();
  if (sequenceIds.length === 0) return map;
  const rows = await db
    .selectFrom('connections')
    .select(['sequence_id', sql<number>`count(*)`.as('n')])
    .where('org_id', '=', orgId)
    .where('sequence_id', 'in', sequenceIds)
    .where('status', 'in', LIVE_STATUSES)
    .groupBy('sequence_id')
    .execute();
  for (const row of rows) map.set(row.sequence_id, Number(row.n));
  return map;
}
