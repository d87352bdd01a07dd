import type { Kysely } from 'kysely';
import { type AdvanceTarget, resolveAdvanceTarget } from '../domain/engine/advance-target.ts';
import type { AdvanceContext, RecordSnapshot, WorkingHours } from '../domain/engine/context.ts';
import type { BusinessUnitNode, Principal } from '../domain/permissions/permissions.ts';
import { inferZone, placeOf } from '../domain/schedule/infer-zone.ts';
import { DEFAULT_WORKING_HOURS } from '../domain/schedule/working-calendar.ts';
import {
  type FieldValue,
  type SequenceDefinition,
  SequenceDefinitionSchema,
} from '../domain/sequence/definition.ts';
import type { AccessibleSequence } from '../domain/sequence/visibility.ts';
import type { DialectName } from '../store/db.ts';
import {
  type ConnectionRow,
  type Key,
  loadCustomFieldNames,
  loadOrgSettings,
  loadRecords,
  loadUsers,
  loadVersions,
  type RecordRow,
} from '../store/repos/engine-repo.ts';
import {
  loadAccessibleSequences,
  loadPrincipals,
  loadUnitTree,
} from '../store/repos/sequence-access-repo.ts';
import type { Database } from '../store/schema.ts';
import { resolveAbWinners, type VersionInBatch } from './ab-winners.ts';

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
  /** When given, A/B tests whose end rule is met are decided (and the winner stored) at this time. */
  now: number | null = null,
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
  const access = await loadAdvanceAccess(db, connections, defs);
  const versions = new Map<string, VersionInBatch>();
  for (const c of connections) {
    const definition = defs.get(`${c.org_id}:${c.version_id}`);
    if (!definition || definition instanceof Error) continue;
    versions.set(`${c.org_id}:${c.version_id}`, {
      orgId: c.org_id,
      sequenceId: c.sequence_id,
      versionId: c.version_id,
      definition,
    });
  }
  const abWinners = now === null ? new Map() : await resolveAbWinners(db, [...versions.values()], now);

  return {
    records,
    definitions: defs,
    contextFor(connection, record, definition) {
      const seller =
        users.get(`${connection.org_id}:${record.owner_id}`) ??
        users.get(`${connection.org_id}:${connection.owner_id}`);
      const org = orgs.get(connection.org_id) ?? {};
      const advanceTargets: Record<string, AdvanceTarget> = {};
      const units = access.units.get(connection.org_id) ?? [];
      const source = access.sequences.get(`${connection.org_id}:${connection.sequence_id}`);
      const sourceOwner = source ? access.owners.get(`${connection.org_id}:${source.ownerId}`) : undefined;
      for (const node of definition.nodes) {
        if (node.kind !== 'advance_sequence' || !node.sequenceId) continue;
        const target = access.sequences.get(`${connection.org_id}:${node.sequenceId}`);
        advanceTargets[node.sequenceId] = resolveAdvanceTarget(target, record.type, sourceOwner, units);
      }
      return {
        connectionId: connection.id,
        ownerId: connection.owner_id,
        record: recordSnapshot(record),
        scheduling: {
          // Waits read the record's zone with the same precedence as schedules: its own, else inferred from
          // city/region/country or phone number; the seller's and the organisation's zones come after.
          recordTimeZone:
            record.time_zone ??
            inferZone({
              place: placeOf(parseObject(record.custom_json)),
              phones: [record.phone_business, record.phone_mobile],
            })?.zone ??
            null,
          sellerTimeZone: seller?.time_zone ?? null,
          orgTimeZone: typeof org.timeZone === 'string' ? org.timeZone : null,
          workingHours: parseWorkingHours(seller?.working_hours_json, org.workingHours),
          holidays: dateList(org.holidays),
        },
        customFieldNames: customFields.get(`${connection.org_id}:${record.type}`) ?? [],
        advanceTargets,
        abWinners: abWinners.get(`${connection.org_id}:${connection.version_id}`) ?? {},
      };
    },
  };
}

interface AdvanceAccess {
  /** `org:id` → sequence: the running sequences and every "advance to" target of the batch. */
  sequences: Map<string, AccessibleSequence>;
  /** `org:userId` → the owners of the running sequences. */
  owners: Map<string, Principal>;
  units: Map<string, BusinessUnitNode[]>;
}

/**
 * What deciding "advance to another sequence" needs: only loaded for organisations whose connections run a
 * definition with such a step, so batches without one cost no queries.
 */
async function loadAdvanceAccess(
  db: Kysely<Database>,
  connections: ConnectionRow[],
  defs: Map<string, SequenceDefinition | Error>,
): Promise<AdvanceAccess> {
  const access: AdvanceAccess = { sequences: new Map(), owners: new Map(), units: new Map() };
  const wanted = new Map<string, Set<string>>();
  for (const c of connections) {
    const def = defs.get(`${c.org_id}:${c.version_id}`);
    if (!def || def instanceof Error) continue;
    for (const node of def.nodes) {
      if (node.kind !== 'advance_sequence' || !node.sequenceId) continue;
      const ids = wanted.get(c.org_id) ?? new Set<string>();
      ids.add(node.sequenceId).add(c.sequence_id);
      wanted.set(c.org_id, ids);
    }
  }
  for (const [orgId, ids] of wanted) {
    const sequences = await loadAccessibleSequences(db, orgId, [...ids]);
    for (const s of sequences) access.sequences.set(`${orgId}:${s.id}`, s);
    const owners = await loadPrincipals(
      db,
      orgId,
      sequences.map((s) => s.ownerId),
    );
    for (const p of owners) access.owners.set(`${orgId}:${p.userId}`, p);
    access.units.set(orgId, await loadUnitTree(db, orgId));
  }
  return access;
}
