import type { Kysely, Selectable } from 'kysely';
import { parseOrgSettings } from '../domain/org-settings.ts';
import { loadSendContextRows } from '../store/mail/send-context-rows.ts';
import type { OutboundRow } from '../store/repos/mail-repo.ts';
import { findSignatures, type Signature } from '../store/repos/signatures-repo.ts';
import {
  findSuppressions,
  type SuppressionRow,
  suppressionAddress,
} from '../store/repos/suppressions-repo.ts';
import { findThreadHeaders } from '../store/repos/thread-headers-repo.ts';
import type {
  ConnectionsTable,
  Database,
  EmailTemplatesTable,
  OrgsTable,
  RecordsTable,
  UsersTable,
} from '../store/schema.ts';
import type { RenderContext } from './render.ts';

/**
 * Everything a batch of outbound messages needs to be decided and rendered, loaded with one query per table
 * (never one round trip per message).
 */
export interface SendContext {
  orgs: Map<string, Selectable<OrgsTable>>;
  users: Map<string, Selectable<UsersTable>>;
  records: Map<string, Selectable<RecordsTable>>;
  templates: Map<string, Selectable<EmailTemplatesTable>>;
  connections: Map<string, Selectable<ConnectionsTable>>;
  /** Tracking options of the sequence version each connection runs. */
  tracking: Map<string, { opens: boolean; clicks: boolean }>;
  /** Recipients on the organisation's suppression list, by `org/address`. */
  suppressed: Map<string, SuppressionRow>;
  /** Senders' personal signatures, by `org/user` (added to automated emails unless the seller turned it off). */
  signatures?: Map<string, Signature>;
  /** In-Reply-To and References of replies written from the conversation view, by `org/outbound id`. */
  threads?: Map<string, { inReplyTo: string; references: string }>;
}

const key = (orgId: string, id: string) => `${orgId}/${id}`;

function unique(values: (string | null)[]): string[] {
  return [...new Set(values.filter((value): value is string => typeof value === 'string' && value !== ''))];
}

export async function loadSendContext(db: Kysely<Database>, rows: OutboundRow[]): Promise<SendContext> {
  const context: SendContext = {
    orgs: new Map(),
    users: new Map(),
    records: new Map(),
    templates: new Map(),
    connections: new Map(),
    tracking: new Map(),
    suppressed: new Map(),
    signatures: new Map(),
    threads: new Map(),
  };
  const byOrg = new Map<string, OutboundRow[]>();
  for (const row of rows) byOrg.set(row.org_id, [...(byOrg.get(row.org_id) ?? []), row]);
  for (const [orgId, list] of byOrg) {
    const userIds = unique(list.map((row) => row.sender_user_id));
    const { org, users, records, templates, connections, definitions } = await loadSendContextRows(
      db,
      orgId,
      {
        userIds,
        recordIds: unique(list.map((row) => row.record_id)),
        templateIds: unique(list.map((row) => row.template_id)),
        connectionIds: unique(list.map((row) => row.connection_id)),
      },
    );
    if (org) context.orgs.set(orgId, org);
    const suppressions = await findSuppressions(
      db,
      orgId,
      list.map((row) => row.to_address ?? ''),
    );
    for (const [address, row] of suppressions) context.suppressed.set(key(orgId, address), row);
    for (const [userId, signature] of await findSignatures(db, orgId, userIds)) {
      context.signatures?.set(key(orgId, userId), signature);
    }
    for (const [id, thread] of await findThreadHeaders(db, orgId, unique(list.map((row) => row.id)))) {
      context.threads?.set(key(orgId, id), thread);
    }
    for (const user of users) context.users.set(key(orgId, user.id), user);
    for (const record of records) context.records.set(key(orgId, record.id), record);
    for (const template of templates) context.templates.set(key(orgId, template.id), template);
    for (const connection of connections) context.connections.set(key(orgId, connection.id), connection);
    for (const connection of connections) {
      const json = definitions.get(connection.version_id);
      if (json !== undefined) context.tracking.set(key(orgId, connection.id), trackingOptions(json));
    }
  }
  return context;
}

function trackingOptions(definitionJson: string): { opens: boolean; clicks: boolean } {
  try {
    const parsed = JSON.parse(definitionJson) as {
      options?: { trackOpens?: unknown; trackClicks?: unknown };
    };
    return { opens: parsed.options?.trackOpens !== false, clicks: parsed.options?.trackClicks !== false };
  } catch {
    return { opens: true, clicks: true };
  }
}

export function lookup<T>(map: Map<string, T>, orgId: string, id: string | null): T | undefined {
  return id ? map.get(key(orgId, id)) : undefined;
}

function parseJsonObject(json: string | null | undefined): Record<string, unknown> {
  if (!json) return {};
  try {
    const value: unknown = JSON.parse(json);
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

/** The Liquid context: `record` (core and custom fields), `owner` (the sender) and `org`. */
export function buildRenderContext(
  record: Selectable<RecordsTable> | undefined,
  owner: Selectable<UsersTable> | undefined,
  org: Selectable<OrgsTable> | undefined,
): RenderContext {
  const preferences = parseJsonObject(owner?.preferences_json);
  return {
    record: record
      ? {
          ...parseJsonObject(record.custom_json),
          id: record.id,
          type: record.type,
          name: record.name,
          full_name: record.name,
          first_name: record.first_name,
          last_name: record.last_name,
          company: record.company,
          job_title: record.job_title,
          title: record.job_title,
          email: record.email,
          phone: record.phone_business ?? record.phone_mobile,
          phone_business: record.phone_business,
          phone_mobile: record.phone_mobile,
          stage: record.stage,
        }
      : {},
    owner: owner
      ? {
          name: owner.name,
          first_name: owner.name.split(/\s+/)[0],
          email: owner.email,
          title: typeof preferences.title === 'string' ? preferences.title : null,
          phone: typeof preferences.phone === 'string' ? preferences.phone : null,
        }
      : {},
    org: org ? { name: org.name } : {},
  };
}

export function mailLimitsOf(org: Selectable<OrgsTable> | undefined) {
  return parseOrgSettings(org?.settings_json ?? '{}').mailLimits;
}

/** The suppression-list entry for this message's recipient, if any. */
export function suppressionOf(context: SendContext, row: OutboundRow): SuppressionRow | undefined {
  return row.to_address
    ? context.suppressed.get(key(row.org_id, suppressionAddress(row.to_address)))
    : undefined;
}
