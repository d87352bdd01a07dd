import type { Kysely, Selectable } from 'kysely';
import type {
  ConnectionsTable,
  Database,
  EmailTemplatesTable,
  OrgsTable,
  RecordsTable,
  UsersTable,
} from '../schema.ts';

export interface SendContextRows {
  org: Selectable<OrgsTable> | undefined;
  users: Selectable<UsersTable>[];
  records: Selectable<RecordsTable>[];
  templates: Selectable<EmailTemplatesTable>[];
  connections: Selectable<ConnectionsTable>[];
  /** `definition_json` of the sequence versions the connections run, by version id. */
  definitions: Map<string, string>;
}

/**
 * One organisation's rows a batch of outbound messages needs, one query per table (never one round trip per
 * message).
 */
export async function loadSendContextRows(
  db: Kysely<Database>,
  orgId: string,
  ids: { userIds: string[]; recordIds: string[]; templateIds: string[]; connectionIds: string[] },
): Promise<SendContextRows> {
  const org = await db.selectFrom('orgs').selectAll().where('id', '=', orgId).executeTakeFirst();
  const [users, records, templates, connections] = await Promise.all([
    ids.userIds.length
      ? db
          .selectFrom('users')
          .selectAll()
          .where('org_id', '=', orgId)
          .where('id', 'in', ids.userIds)
          .execute()
      : [],
    ids.recordIds.length
      ? db
          .selectFrom('records')
          .selectAll()
          .where('org_id', '=', orgId)
          .where('id', 'in', ids.recordIds)
          .execute()
      : [],
    ids.templateIds.length
      ? db
          .selectFrom('email_templates')
          .selectAll()
          .where('org_id', '=', orgId)
          .where('id', 'in', ids.templateIds)
          .execute()
      : [],
    ids.connectionIds.length
      ? db
          .selectFrom('connections')
          .selectAll()
          .where('org_id', '=', orgId)
          .where('id', 'in', ids.connectionIds)
          .execute()
      : [],
  ]);
  const versionIds = [...new Set(connections.map((connection) => connection.version_id))];
  const definitions = new Map<string, string>();
  if (versionIds.length) {
    const versions = await db
      .selectFrom('sequence_versions')
      .select(['id', 'definition_json'])
      .where('org_id', '=', orgId)
      .where('id', 'in', versionIds)
      .execute();
    for (const version of versions) definitions.set(version.id, version.definition_json);
  }
  return { org, users, records, templates, connections, definitions };
}

/** The definition JSON of the sequence version a connection runs, or undefined. */
export async function connectionDefinitionJson(
  db: Kysely<Database>,
  orgId: string,
  connectionId: string,
): Promise<string | undefined> {
  const version = await db
    .selectFrom('connections')
    .innerJoin('sequence_versions', (join) =>
      join
        .onRef('sequence_versions.org_id', '=', 'connections.org_id')
        .onRef('sequence_versions.id', '=', 'connections.version_id'),
    )
    .select('sequence_versions.definition_json')
    .where('connections.org_id', '=', orgId)
    .where('connections.id', '=', connectionId)
    .executeTakeFirst();
  return version?.definition_json;
}
