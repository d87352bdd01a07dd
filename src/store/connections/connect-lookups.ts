import { type Kysely, PostgresAdapter, sql } from 'kysely';
import { isConnectable } from '../../domain/connect/refusal.ts';
import { type SequenceDefinition, SequenceDefinitionSchema } from '../../domain/sequence/definition.ts';
import { hasEmailSteps } from '../../domain/sequence/graph.ts';
import type { Database, RecordType } from '../schema.ts';
import { LIVE_STATUSES, type RecordRow } from './connection-rows.ts';

/** What connecting reads: records by id, live connections, the sequence to connect to, its definitions. */

function isPostgres(db: Kysely<Database>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/**
 * A list of ids to match: PostgreSQL binds it as one array (`= any($1::text[])`), SQLite as an IN list. One
 * parameter instead of a thousand keeps big chunks cheap to parse on PostgreSQL.
 */
function anyOf(db: Kysely<Database>): '=' | 'in' {
  return isPostgres(db) ? '=' : 'in';
}
function idList(db: Kysely<Database>, ids: string[]) {
  return isPostgres(db) ? sql<string>`any(${ids}::text[])` : ids;
}
/** Ids per statement: SQLite's IN list is bounded by its parameter limit; PostgreSQL's one array is not. */
function idsPerStatement(db: Kysely<Database>): number {
  return isPostgres(db) ? 10_000 : 1000;
}

/** The ids among `recordIds` that have a live (active or paused) connection. */
export async function recordsWithLiveConnection(
  db: Kysely<Database>,
  orgId: string,
  recordIds: string[],
): Promise<Set<string>> {
  const live = new Set<string>();
  const step = idsPerStatement(db);
  for (let i = 0; i < recordIds.length; i += step) {
    const chunk = recordIds.slice(i, i + step);
    if (chunk.length === 0) continue;
    const rows = await db
      .selectFrom('connections')
      .select('record_id')
      .where('org_id', '=', orgId)
      .where('record_id', anyOf(db), idList(db, chunk))
      .where('status', 'in', LIVE_STATUSES)
      .execute();
    for (const row of rows) live.add(row.record_id);
  }
  return live;
}

export async function findRecords(
  db: Kysely<Database>,
  orgId: string,
  recordIds: string[],
): Promise<RecordRow[]> {
  const rows: RecordRow[] = [];
  const step = idsPerStatement(db);
  for (let i = 0; i < recordIds.length; i += step) {
    const chunk = recordIds.slice(i, i + step);
    if (chunk.length === 0) continue;
    rows.push(
      ...(await db
        .selectFrom('records')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('id', anyOf(db), idList(db, chunk))
        .execute()),
    );
  }
  return rows;
}

/** A sequence as connecting needs it: status, type, the active version and whether it sends email. */
export interface SequenceForConnect {
  id: string;
  name: string;
  recordType: RecordType;
  ownerId: string;
  businessUnitId: string;
  status: string;
  activeVersionId: string | null;
  definition: SequenceDefinition | null;
  connectable: boolean;
  hasEmailSteps: boolean;
  sharedWithUserIds: string[];
  sharedWithBusinessUnitIds: string[];
}

export async function loadSequenceForConnect(
  db: Kysely<Database>,
  orgId: string,
  sequenceId: string,
): Promise<SequenceForConnect | undefined> {
  const sequence = await db
    .selectFrom('sequences')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', sequenceId)
    .executeTakeFirst();
  if (!sequence) return undefined;
  const [version, shares] = await Promise.all([
    sequence.active_version_id
      ? db
          .selectFrom('sequence_versions')
          .select('definition_json')
          .where('org_id', '=', orgId)
          .where('id', '=', sequence.active_version_id)
          .executeTakeFirst()
      : undefined,
    db
      .selectFrom('sequence_shares')
      .select(['principal_id', 'principal_type'])
      .where('org_id', '=', orgId)
      .where('sequence_id', '=', sequenceId)
      .execute(),
  ]);
  const definition = version ? parseDefinition(version.definition_json) : null;
  return {
    id: sequence.id,
    name: sequence.name,
    recordType: sequence.record_type,
    ownerId: sequence.owner_id,
    businessUnitId: sequence.business_unit_id,
    status: sequence.status,
    activeVersionId: sequence.active_version_id,
    definition,
    connectable: isConnectable(sequence.status, sequence.active_version_id) && definition !== null,
    hasEmailSteps: definition ? hasEmailSteps(definition) : false,
    sharedWithUserIds: shares.filter((s) => s.principal_type === 'user').map((s) => s.principal_id),
    sharedWithBusinessUnitIds: shares
      .filter((s) => s.principal_type === 'business_unit')
      .map((s) => s.principal_id),
  };
}

export function parseDefinition(json: string): SequenceDefinition | null {
  try {
    const parsed = SequenceDefinitionSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Definitions of several versions at once (Up next, work list descriptions, connected records). */
export async function loadDefinitions(
  db: Kysely<Database>,
  orgId: string,
  versionIds: string[],
): Promise<Map<string, { definition: SequenceDefinition | null; version: number }>> {
  const unique = [...new Set(versionIds)];
  const map = new Map<string, { definition: SequenceDefinition | null; version: number }>();
  if (unique.length === 0) return map;
  const rows = await db
    .selectFrom('sequence_versions')
    .select(['id', 'definition_json', 'version'])
    .where('org_id', '=', orgId)
    .where('id', 'in', unique)
    .execute();
  for (const row of rows)
    map.set(row.id, { definition: parseDefinition(row.definition_json), version: row.version });
  return map;
}
