import type { Kysely } from 'kysely';
import type { AdvanceContext, RecordSnapshot, WorkingHours } from '../domain/engine/context.ts';
import { DEFAULT_WORKING_HOURS } from '../domain/schedule/working-calendar.ts';
import {
  type FieldValue,
  type SequenceDefinition,
  SequenceDefinitionSchema,
} from '../domain/sequence/definition.ts';
import type { DialectName } from '../store/db.ts';
import {
  type ConnectionRow,
  type Key,
  loadCustomFieldNames,
  loadOrgSettings,
  loadRecords,
  loadSequenceTargets,
  loadUsers,
  loadVersions,
  type RecordRow,
} from '../store/repos/engine-repo.ts';
import type { Database } from '../store/schema.ts';

/** Versions are immutable, so parsed definitions are cached for the life of the process. */
const definitions = new Map<string, SequenceDefinition>();
const MAX_CACHED = 2000;

export async function loadDefinitions(
  db: Kysely<Database>,
  keys: Key[],
): Promise<Map<string, SequenceDefinition | Error>> {
  const out = new Map<string, SequenceDefinition | Error>();
  const missing: Key[] = [];
  for (const key of keys) {
    const cached = definitions.get(`${key.orgId}:${key.id}`);
    if (cached) out.set(`${key.orgId}:${key.id}`, cached);
    else missing.push(key);
  }
  if (missing.length > 0) {
    for (const row of await loadVersions(db, missing)) {
      const cacheKey = `${row.org_id}:${row.id}`;
      try {
        const parsed = SequenceDefinitionSchema.parse(JSON.parse(row.definition_json));
        if (definitions.size >= MAX_CACHED) definitions.delete(definitions.keys().next().value ?? '');
        definitions.set(cacheKey, parsed);
        out.set(cacheKey, parsed);
      } catch (error) {
        out.set(cacheKey, new Error(`Sequence version ${row.id} is unreadable: ${String(error)}`));
      }
    }
  }
  return out;
}

export function recordSnapshot(record: RecordRow): RecordSnapshot {
  const custom = parseObject(record.custom_json);
  const fields: Record<string, FieldValue> = {};
  for (const [name, value] of Object.entries(custom)) fields[name] = toFieldValue(value);
  Object.assign(fields, {
    type: record.type,
    name: record.name,
    firstName: record.first_name,
    lastName: record.last_name,
    company: record.company,
    jobTitle: record.job_title,
    email: record.email,
    phoneBusiness: record.phone_business,
    phoneMobile: record.phone_mobile,
    timeZone: record.time_zone,
    status: record.status,
    stage: record.stage,
    ownerId: record.owner_id,
    doNotEmail: record.do_not_email === 1,
    doNotCall: record.do_not_call === 1,
  } satisfies Record<string, FieldValue>);
  return {
    id: record.id,
    ownerId: record.owner_id,
    email: record.email,
    status: record.status,
    stage: record.stage,
    timeZone: record.time_zone,
    doNotEmail: record.do_not_email === 1,
    fields,
  };
}

function toFieldValue(value: unknown): FieldValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map(String);
  return JSON.stringify(value);
}

export function parseObject(json: string | null | undefined): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(json ?? '{}');
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

/** The seller's own working hours, else (none set: `{}`) the organisation's, else the built-in ones. */
function parseWorkingHours(json: string | null | undefined, orgHours?: unknown): WorkingHours {
  const raw = parseObject(json);
  if (!Array.isArray(raw.days) && orgHours && typeof orgHours === 'object') {
    return parseWorkingHours(JSON.stringify(orgHours));
  }
  const days = Array.isArray(raw.days) ? raw.days.filter((d): d is number => typeof d === 'number') : null;
  const time = (v: unknown, fallback: string) =>
    typeof v === 'string' && /^\d\d:\d\d$/.test(v) ? v : fallback;
  return {
    days: days ?? [...DEFAULT_WORKING_HOURS.days],
    from: time(raw.from, DEFAULT_WORKING_HOURS.from),
    to: time(raw.to, DEFAULT_WORKING_HOURS.to),
    daysOff: dateList(raw.daysOff),
  };
}

/** Accepts `["2026-12-25"]` or `[{ date: "2026-12-25", name: "…" }]`. */
function dateList(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value
    .map((item) =>
      typeof item === 'string'
        ? item
        : item && typeof item === 'object'
          ? (item as { date?: unknown }).date
          : null,
    )
    .filter((d): d is string => typeof d === 'string');
}

export interface LoadedContext {
  records: Map<string, RecordRow>;
  definitions: Map<string, SequenceDefinition | Error>;
  contextFor(connection: ConnectionRow, record: RecordRow, definition: SequenceDefinition): AdvanceContext;
}

/** Loads, in a few set-based queries, everything `advance` needs for a batch of connections. */
export async function loadContext(
  db: Kysely<Database>,
  _dialect: DialectName,
  connections: ConnectionRow[],
): Promise<LoadedContext> {
  const orgIds = [...new Set(connections.map((c) => c.org_id))];
  const records = new Map<string, RecordRow>();
  for (const row of await loadRecords(
    db,
    connections.map((c) => ({ orgId: c.org_id, id: c.record_id })),
  )) {
    records.set(`${row.org_id}:${row.id}`, row);
  }
  const defs = await loadDefinitions(
    db,
    connections.map((c) => ({ orgId: c.org_id, id: c.version_id })),
  );
  const ownerKeys: Key[] = [];
  for (const c of connections) {
    ownerKeys.push({ orgId: c.org_id, id: c.owner_id });
    const record = records.get(`${c.org_id}:${c.record_id}`);
    if (record) ownerKeys.push({ orgId: c.org_id, id: record.owner_id });
  }
  const users = new Map((await loadUsers(db, ownerKeys)).map((u) => [`${u.org_id}:${u.id}`, u] as const));
  const orgs = new Map(
    (await loadOrgSettings(db, orgIds)).map((o) => [o.id, parseObject(o.settings_json)] as const),
  );
  const customFields = new Map<string, string[]>();
  for (const f of await loadCustomFieldNames(db, orgIds)) {
    const key = `${f.org_id}:${f.record_type}`;
    customFields.set(key, [...(customFields.get(key) ?? []), f.name]);
  }
  const targetKeys: Key[] = [];
  for (const c of connections) {
    const def = defs.get(`${c.org_id}:${c.version_id}`);
    if (!def || def instanceof Error) continue;
    for (const node of def.nodes) {
      if (node.kind === 'advance_sequence' && node.sequenceId)
        targetKeys.push({ orgId: c.org_id, id: node.sequenceId });
    }
  }
  const targets = new Map(
    (targetKeys.length > 0 ? await loadSequenceTargets(db, targetKeys) : []).map(
      (s) => [`${s.org_id}:${s.id}`, s] as const,
    ),
  );

  return {
    records,
    definitions: defs,
    contextFor(connection, record, definition) {
      const seller =
        users.get(`${connection.org_id}:${record.owner_id}`) ??
        users.get(`${connection.org_id}:${connection.owner_id}`);
      const org = orgs.get(connection.org_id) ?? {};
      const advanceTargets: Record<string, string | null> = {};
      for (const node of definition.nodes) {
        if (node.kind !== 'advance_sequence' || !node.sequenceId) continue;
        const target = targets.get(`${connection.org_id}:${node.sequenceId}`);
        advanceTargets[node.sequenceId] =
          target &&
          target.status !== 'inactive' &&
          target.active_version_id &&
          target.record_type === record.type
            ? target.active_version_id
            : null;
      }
      return {
        connectionId: connection.id,
        ownerId: connection.owner_id,
        record: recordSnapshot(record),
        scheduling: {
          recordTimeZone: record.time_zone,
          sellerTimeZone: seller?.time_zone ?? null,
          orgTimeZone: typeof org.timeZone === 'string' ? org.timeZone : null,
          workingHours: parseWorkingHours(seller?.working_hours_json, org.workingHours),
          holidays: dateList(org.holidays),
        },
        customFieldNames: customFields.get(`${connection.org_id}:${record.type}`) ?? [],
        advanceTargets,
      };
    },
  };
}
