import type { Kysely, Selectable } from 'kysely';
import type { DialectName } from '../../db.ts';
import type { ConnectionsTable, Database, RecordsTable } from '../../schema.ts';
import { byOrg, chunks, idIn } from './multi-row.ts';

/** What `advance` needs, loaded in batches: connections (locked), records, owners, settings, versions. */

export type ConnectionRow = Selectable<ConnectionsTable>;
export type RecordRow = Selectable<RecordsTable>;

export interface Key {
  orgId: string;
  id: string;
}

/** Loads connections, locking them on PostgreSQL (in id order, so concurrent workers cannot deadlock). */
export async function lockConnections(
  db: Kysely<Database>,
  dialect: DialectName,
  keys: Key[],
): Promise<ConnectionRow[]> {
  const rows: ConnectionRow[] = [];
  const groups = [
    ...byOrg(
      keys,
      (k) => k.orgId,
      (k) => k.id,
    ),
  ].sort(([a], [b]) => (a < b ? -1 : 1));
  for (const [org, ids] of groups) {
    for (const part of chunks(ids.sort(), 2000)) {
      let query = db
        .selectFrom('connections')
        .selectAll()
        .where('org_id', '=', org)
        .where(idIn(db, 'id', part))
        .orderBy('id');
      if (dialect === 'postgres') query = query.forUpdate();
      rows.push(...(await query.execute()));
    }
  }
  return rows;
}

export async function loadRecords(db: Kysely<Database>, keys: Key[]): Promise<RecordRow[]> {
  const rows: RecordRow[] = [];
  for (const [org, ids] of byOrg(
    keys,
    (k) => k.orgId,
    (k) => k.id,
  )) {
    for (const part of chunks(ids, 2000)) {
      rows.push(
        ...(await db
          .selectFrom('records')
          .selectAll()
          .where('org_id', '=', org)
          .where(idIn(db, 'id', part))
          .execute()),
      );
    }
  }
  return rows;
}

export async function loadUsers(db: Kysely<Database>, keys: Key[]) {
  const rows: { org_id: string; id: string; time_zone: string | null; working_hours_json: string }[] = [];
  for (const [org, ids] of byOrg(
    keys,
    (k) => k.orgId,
    (k) => k.id,
  )) {
    for (const part of chunks(ids, 2000)) {
      rows.push(
        ...(await db
          .selectFrom('users')
          .select(['org_id', 'id', 'time_zone', 'working_hours_json'])
          .where('org_id', '=', org)
          .where('id', 'in', part)
          .execute()),
      );
    }
  }
  return rows;
}

export async function loadOrgSettings(db: Kysely<Database>, orgIds: string[]) {
  if (orgIds.length === 0) return [];
  return db.selectFrom('orgs').select(['id', 'settings_json']).where('id', 'in', orgIds).execute();
}

export async function loadCustomFieldNames(db: Kysely<Database>, orgIds: string[]) {
  if (orgIds.length === 0) return [];
  return db
    .selectFrom('record_fields')
    .select(['org_id', 'record_type', 'name'])
    .where('org_id', 'in', orgIds)
    .execute();
}

export async function loadVersions(db: Kysely<Database>, keys: Key[]) {
  const rows: { org_id: string; id: string; definition_json: string }[] = [];
  for (const [org, ids] of byOrg(
    keys,
    (k) => k.orgId,
    (k) => k.id,
  )) {
    rows.push(
      ...(await db
        .selectFrom('sequence_versions')
        .select(['org_id', 'id', 'definition_json'])
        .where('org_id', '=', org)
        .where('id', 'in', ids)
        .execute()),
    );
  }
  return rows;
}

export async function loadEnabledWebhooks(db: Kysely<Database>, orgIds: string[]) {
  if (orgIds.length === 0) return [];
  return db
    .selectFrom('webhooks')
    .select(['org_id', 'id', 'events_json'])
    .where('org_id', 'in', orgIds)
    .where('enabled', '=', 1)
    .execute();
}
