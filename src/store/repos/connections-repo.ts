import { type Kysely, PostgresAdapter, type Selectable, sql } from 'kysely';
import { isConnectable } from '../../domain/connect/refusal.ts';
import type { RecordScope } from '../../domain/connect/scope.ts';
import { parseState, serializeState } from '../../domain/engine/state.ts';
import { parseOrgSettings } from '../../domain/org-settings.ts';
import type { OrgPolicy } from '../../domain/permissions/permissions.ts';
import { type SequenceDefinition, SequenceDefinitionSchema } from '../../domain/sequence/definition.ts';
import { hasEmailSteps } from '../../domain/sequence/graph.ts';
import type { ConnectionsTable, Database, RecordsTable, RecordType } from '../schema.ts';

export type ConnectionRow = Selectable<ConnectionsTable>;
export type RecordRow = Selectable<RecordsTable>;

export const LIVE_STATUSES = ['active', 'paused'] as const;
export const OPEN_STEP_STATUSES = ['upcoming', 'due', 'waiting'] as const;

/** Runs `fn` in a transaction, joining the caller's when `db` already is one. */
export async function inTransaction<T>(
  db: Kysely<Database>,
  fn: (trx: Kysely<Database>) => Promise<T>,
): Promise<T> {
  if (db.isTransaction) return fn(db);
  return db.transaction().execute(fn);
}

export async function findRecord(db: Kysely<Database>, orgId: string, recordId: string) {
  return db
    .selectFrom('records')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', recordId)
    .executeTakeFirst();
}

export async function findLiveConnection(db: Kysely<Database>, orgId: string, recordId: string) {
  return db
    .selectFrom('connections')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('record_id', '=', recordId)
    .where('status', 'in', LIVE_STATUSES)
    .executeTakeFirst();
}

export async function findConnection(db: Kysely<Database>, orgId: string, id: string) {
  return db
    .selectFrom('connections')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
}

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

/** The ids among `recordIds` that have a live (active or paused) connection. */
export async function recordsWithLiveConnection(
  db: Kysely<Database>,
  orgId: string,
  recordIds: string[],
): Promise<Set<string>> {
  const live = new Set<string>();
  for (let i = 0; i < recordIds.length; i += 1000) {
    const chunk = recordIds.slice(i, i + 1000);
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
  for (let i = 0; i < recordIds.length; i += 1000) {
    const chunk = recordIds.slice(i, i + 1000);
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

/**
 * What is left open of ended connections: open step instances canceled, pending scheduled work dropped, unsent
 * emails canceled. Call it inside the transaction that ended them.
 */
export async function cancelOpenWork(
  db: Kysely<Database>,
  input: { orgId: string; connectionIds: string[]; now: number },
): Promise<void> {
  for (let i = 0; i < input.connectionIds.length; i += 500) {
    const ids = input.connectionIds.slice(i, i + 500);
    await db
      .updateTable('step_instances')
      .set({ status: 'canceled', updated_at: input.now })
      .where('org_id', '=', input.orgId)
      .where('connection_id', 'in', ids)
      .where('status', 'in', OPEN_STEP_STATUSES)
      .execute();
    await db
      .deleteFrom('scheduled_tasks')
      .where('org_id', '=', input.orgId)
      .where('connection_id', 'in', ids)
      .where('status', '=', 'pending')
      .execute();
    await db
      .updateTable('outbound_messages')
      .set({ status: 'canceled', updated_at: input.now })
      .where('org_id', '=', input.orgId)
      .where('connection_id', 'in', ids)
      .where('status', 'in', ['queued', 'held'])
      .execute();
  }
}

/**
 * Ends live connections in one go: status `disconnected` with the reason, open step instances canceled, pending
 * scheduled work dropped, unsent emails canceled. Call it inside the caller's transaction. Returns the connections it ended.
 */
export async function endConnections(
  db: Kysely<Database>,
  input: { orgId: string; connectionIds: string[]; reason: string; now: number },
): Promise<ConnectionRow[]> {
  const ended: ConnectionRow[] = [];
  for (let i = 0; i < input.connectionIds.length; i += 500) {
    const ids = input.connectionIds.slice(i, i + 500);
    if (ids.length === 0) continue;
    const live = await db
      .selectFrom('connections')
      .selectAll()
      .where('org_id', '=', input.orgId)
      .where('id', 'in', ids)
      .where('status', 'in', LIVE_STATUSES)
      .execute();
    if (live.length === 0) continue;
    const liveIds = live.map((c) => c.id);
    for (const connection of live) {
      await db
        .updateTable('connections')
        .set({
          status: 'disconnected',
          reason: input.reason,
          ended_at: input.now,
          updated_at: input.now,
          state_json: endedStateJson(connection.state_json, input.reason, input.now),
        })
        .where('org_id', '=', input.orgId)
        .where('id', '=', connection.id)
        .where('status', 'in', LIVE_STATUSES)
        .execute();
    }
    await cancelOpenWork(db, { orgId: input.orgId, connectionIds: liveIds, now: input.now });
    ended.push(...live);
  }
  return ended;
}

/** Marks the stored engine state as ended too (as `advance` would), so the engine never moves it again. */
function endedStateJson(json: string, reason: string, now: number): string {
  const state = parseState(json);
  return serializeState({
    ...state,
    status: 'disconnected',
    phase: 'ended',
    nodeId: null,
    dueAt: null,
    blockedReason: null,
    endReason: reason,
    endedAt: now,
  });
}

/** Moves a connection and its open steps owned by `fromOwnerId` to `toOwnerId` (record owner changed). */
export async function moveConnectionOwner(
  db: Kysely<Database>,
  input: { orgId: string; connectionId: string; fromOwnerId: string; toOwnerId: string; now: number },
): Promise<number> {
  await db
    .updateTable('connections')
    .set({ owner_id: input.toOwnerId, updated_at: input.now })
    .where('org_id', '=', input.orgId)
    .where('id', '=', input.connectionId)
    .execute();
  const moved = await db
    .updateTable('step_instances')
    .set({ owner_id: input.toOwnerId, updated_at: input.now })
    .where('org_id', '=', input.orgId)
    .where('connection_id', '=', input.connectionId)
    .where('owner_id', '=', input.fromOwnerId)
    .where('status', 'in', OPEN_STEP_STATUSES)
    .executeTakeFirst();
  return Number(moved.numUpdatedRows);
}

/** Live connections of these records (for bulk disconnect), keyed by record id. */
export async function liveConnectionsOf(
  db: Kysely<Database>,
  orgId: string,
  recordIds: string[],
): Promise<Map<string, ConnectionRow>> {
  const map = new Map<string, ConnectionRow>();
  for (let i = 0; i < recordIds.length; i += 1000) {
    const chunk = recordIds.slice(i, i + 1000);
    if (chunk.length === 0) continue;
    const rows = await db
      .selectFrom('connections')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('record_id', 'in', chunk)
      .where('status', 'in', LIVE_STATUSES)
      .execute();
    for (const row of rows) map.set(row.record_id, row);
  }
  return map;
}

export interface ConnectedRecordsCursor {
  id: string;
}

/** Connections of a sequence, newest first, `limit + 1` rows, with the record and the owner's name. */
export async function listSequenceConnections(
  db: Kysely<Database>,
  input: {
    orgId: string;
    sequenceId: string;
    statuses?: string[] | undefined;
    /** Restrict to records the caller may see (null: all). */
    scope: RecordScope;
    limit: number;
    after?: ConnectedRecordsCursor | undefined;
  },
) {
  let query = db
    .selectFrom('connections as c')
    .innerJoin('records as r', (join) =>
      join.onRef('r.org_id', '=', 'c.org_id').onRef('r.id', '=', 'c.record_id'),
    )
    .leftJoin('users as u', (join) =>
      join.onRef('u.org_id', '=', 'c.org_id').onRef('u.id', '=', 'c.owner_id'),
    )
    .leftJoin('sequence_versions as v', (join) =>
      join.onRef('v.org_id', '=', 'c.org_id').onRef('v.id', '=', 'c.version_id'),
    )
    .select([
      'c.id',
      'c.record_id',
      'c.status',
      'c.reason',
      'c.current_node_id',
      'c.owner_id',
      'c.version_id',
      'c.connected_at',
      'c.ended_at',
      'c.updated_at',
      'r.name as record_name',
      'r.type as record_type',
      'u.name as owner_name',
      'v.version as version',
    ])
    .where('c.org_id', '=', input.orgId)
    .where('c.sequence_id', '=', input.sequenceId);
  if (input.statuses && input.statuses.length > 0) {
    query = query.where('c.status', 'in', input.statuses as ConnectionRow['status'][]);
  }
  const scope = input.scope;
  if (scope.kind === 'owner') query = query.where('r.owner_id', '=', scope.userId);
  if (scope.kind === 'units') {
    query = query.where((eb) =>
      eb.or([eb('r.business_unit_id', 'in', scope.businessUnitIds), eb('r.owner_id', '=', scope.userId)]),
    );
  }
  if (input.after) query = query.where('c.id', '<', input.after.id);
  return query
    .orderBy('c.id', 'desc')
    .limit(input.limit + 1)
    .execute();
}

/** Per connection: step instances done (completed or skipped), the newest open step, for progress columns. */
export async function stepProgress(db: Kysely<Database>, orgId: string, connectionIds: string[]) {
  const progress = new Map<string, { done: number; openSince: number | null; openNodeId: string | null }>();
  if (connectionIds.length === 0) return progress;
  const rows = await db
    .selectFrom('step_instances')
    .select(['connection_id', 'status', 'kind', 'node_id', 'created_at'])
    .where('org_id', '=', orgId)
    .where('connection_id', 'in', connectionIds)
    .execute();
  for (const row of rows) {
    const entry = progress.get(row.connection_id) ?? { done: 0, openSince: null, openNodeId: null };
    if ((row.status === 'completed' || row.status === 'skipped') && !row.kind.startsWith('condition_'))
      entry.done++;
    if ((OPEN_STEP_STATUSES as readonly string[]).includes(row.status)) {
      if (entry.openSince === null || row.created_at > entry.openSince) {
        entry.openSince = row.created_at;
        entry.openNodeId = row.node_id;
      }
    }
    progress.set(row.connection_id, entry);
  }
  return progress;
}

export { openRecordsQuery } from '../connections/open-records.ts';

/** The organisation's permission inputs, for work done outside a request (bulk jobs, segments). */
export async function loadOrgPolicy(db: Kysely<Database>, orgId: string): Promise<OrgPolicy> {
  const [units, org] = await Promise.all([
    db.selectFrom('business_units').select(['id', 'parent_id']).where('org_id', '=', orgId).execute(),
    db.selectFrom('orgs').select('settings_json').where('id', '=', orgId).executeTakeFirst(),
  ]);
  return {
    businessUnits: units.map((unit) => ({ id: unit.id, parentId: unit.parent_id })),
    featureRoles: parseOrgSettings(org?.settings_json ?? '{}').featureRoles,
  };
}
