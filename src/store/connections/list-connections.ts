import type { Kysely } from 'kysely';
import type { RecordScope } from '../../domain/connect/scope.ts';
import { parseOrgSettings } from '../../domain/org-settings.ts';
import type { OrgPolicy } from '../../domain/permissions/permissions.ts';
import type { Database } from '../schema.ts';
import { type ConnectionRow, LIVE_STATUSES, OPEN_STEP_STATUSES } from './connection-rows.ts';

/** Listing connections: live ones by record, a sequence connected records page, step progress, the org policy. */

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
