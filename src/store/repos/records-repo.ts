import { type Expression, type Kysely, type Selectable, type SqlBool, sql } from 'kysely';
import {
  type ImportRecord,
  mapColumns,
  type OwnerRef,
  parseCsv,
  type RowError,
  validateRow,
} from '../../domain/records/csv-import.ts';
import type { CustomValue } from '../../domain/records/custom-fields.ts';
import type { FieldDefinition } from '../../domain/sequence/fields.ts';
import { newId } from '../ids.ts';
import type { Database, RecordStatus, RecordsTable, RecordType } from '../schema.ts';
import { recordAudit } from './audit-repo.ts';

export type RecordRow = Selectable<RecordsTable>;

/** Rows per multi-row INSERT: 22 columns × 400 rows stays under both SQLite's and PostgreSQL's parameter limits. */
const INSERT_BATCH = 400;

export function parseCustomJson(json: string): Record<string, CustomValue> {
  try {
    const value: unknown = JSON.parse(json);
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, CustomValue>)
      : {};
  } catch {
    return {};
  }
}

export function toRecordRow(orgId: string, record: ImportRecord, now: number, id = newId(now)): RecordRow {
  return {
    org_id: orgId,
    id,
    type: record.type,
    name: record.name,
    first_name: record.firstName,
    last_name: record.lastName,
    company: record.company,
    job_title: record.jobTitle,
    email: record.email,
    phone_business: record.phoneBusiness,
    phone_mobile: record.phoneMobile,
    time_zone: record.timeZone,
    status: record.status,
    stage: record.stage,
    owner_id: record.ownerId,
    business_unit_id: record.businessUnitId,
    do_not_email: record.doNotEmail ? 1 : 0,
    do_not_call: record.doNotCall ? 1 : 0,
    custom_json: JSON.stringify(record.custom),
    created_at: now,
    updated_at: now,
  };
}

/** Inserts rows with multi-row statements (call inside a transaction for all-or-nothing). */
export async function insertRecordRows(db: Kysely<Database>, rows: RecordRow[]): Promise<void> {
  for (let start = 0; start < rows.length; start += INSERT_BATCH) {
    await db
      .insertInto('records')
      .values(rows.slice(start, start + INSERT_BATCH))
      .execute();
  }
}

export async function findRecord(
  db: Kysely<Database>,
  orgId: string,
  id: string,
): Promise<RecordRow | undefined> {
  return db
    .selectFrom('records')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function updateRecordRow(db: Kysely<Database>, row: RecordRow): Promise<void> {
  const { org_id, id, created_at: _created, ...values } = row;
  await db.updateTable('records').set(values).where('org_id', '=', org_id).where('id', '=', id).execute();
}

export async function deleteRecordRow(db: Kysely<Database>, orgId: string, id: string): Promise<void> {
  await db.deleteFrom('record_follows').where('org_id', '=', orgId).where('record_id', '=', id).execute();
  await db.deleteFrom('records').where('org_id', '=', orgId).where('id', '=', id).execute();
}

export async function hasLiveConnection(
  db: Kysely<Database>,
  orgId: string,
  recordId: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('connections')
    .select('id')
    .where('org_id', '=', orgId)
    .where('record_id', '=', recordId)
    .where('status', 'in', ['active', 'paused'])
    .executeTakeFirst();
  return row !== undefined;
}

export async function countRecords(db: Kysely<Database>, orgId: string): Promise<number> {
  const row = await db
    .selectFrom('records')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('org_id', '=', orgId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

// ── The grid ────────────────────────────────────────────────────────────────────────────────────────────────

/** Which records a user sees: all (admins) or their own plus those of the business units they manage. */
export type RecordVisibility = { all: true } | { all: false; userId: string; businessUnitIds: string[] };

export const RECORD_SORTS = ['name', 'created', 'updated', 'company', 'status'] as const;
export type RecordSort = (typeof RECORD_SORTS)[number];

export interface RecordGridQuery {
  type?: RecordType;
  search?: string;
  status?: RecordStatus[];
  ownerId?: string;
  stage?: string;
  inSequence?: boolean;
  sequenceId?: string;
  sort: RecordSort;
  descending: boolean;
  limit: number;
  /** The sort key and id of the last row of the previous page. */
  after?: { key: string | number; id: string };
  /** Restrict to one record (the detail view uses the grid's joins). */
  id?: string;
}

export interface RecordGridRow extends RecordRow {
  owner_name: string | null;
  connection_id: string | null;
  connection_status: string | null;
  sequence_id: string | null;
  sequence_name: string | null;
  step_id: string | null;
  step_name: string | null;
  step_kind: string | null;
  step_status: string | null;
  step_due_at: number | null;
  sort_key: string | number;
}

const SORT_COLUMN = {
  name: 'r.name',
  created: 'r.created_at',
  updated: 'r.updated_at',
  status: 'r.status',
} as const;

/**
 * The record grid: visible records with owner name, live sequence and current step, filtered, searched and
 * sorted with keyset pagination (sort key, then id). Returns `limit + 1` rows so the caller can tell if more exist.
 */
export async function listRecordGrid(
  db: Kysely<Database>,
  orgId: string,
  visibility: RecordVisibility,
  query: RecordGridQuery,
): Promise<RecordGridRow[]> {
  const sortKey =
    query.sort === 'company'
      ? sql<string>`coalesce(r.company, '')`
      : sql<string | number>`${sql.ref(SORT_COLUMN[query.sort])}`;
  let select = db
    .selectFrom('records as r')
    .leftJoin('users as u', (join) =>
      join.onRef('u.org_id', '=', 'r.org_id').onRef('u.id', '=', 'r.owner_id'),
    )
    .leftJoin('connections as c', (join) =>
      join
        .onRef('c.org_id', '=', 'r.org_id')
        .onRef('c.record_id', '=', 'r.id')
        .on('c.status', 'in', ['active', 'paused']),
    )
    .leftJoin('sequences as s', (join) =>
      join.onRef('s.org_id', '=', 'c.org_id').onRef('s.id', '=', 'c.sequence_id'),
    )
    .leftJoin('step_instances as si', (join) =>
      join
        .onRef('si.org_id', '=', 'c.org_id')
        .on((eb) =>
          eb(
            'si.id',
            '=',
            eb
              .selectFrom('step_instances as cur')
              .select('cur.id')
              .whereRef('cur.org_id', '=', 'c.org_id')
              .whereRef('cur.connection_id', '=', 'c.id')
              .where('cur.status', 'in', ['due', 'waiting'])
              .orderBy('cur.created_at', 'desc')
              .orderBy('cur.id', 'desc')
              .limit(1),
          ),
        ),
    )
    .selectAll('r')
    .select([
      'u.name as owner_name',
      'c.id as connection_id',
      'c.status as connection_status',
      'c.sequence_id as sequence_id',
      's.name as sequence_name',
      'si.id as step_id',
      'si.name as step_name',
      'si.kind as step_kind',
      'si.status as step_status',
      'si.due_at as step_due_at',
      sortKey.as('sort_key'),
    ])
    .where('r.org_id', '=', orgId);

  if (!visibility.all) {
    const { userId, businessUnitIds } = visibility;
    select = select.where((eb) =>
      businessUnitIds.length > 0
        ? eb.or([eb('r.owner_id', '=', userId), eb('r.business_unit_id', 'in', businessUnitIds)])
        : eb('r.owner_id', '=', userId),
    );
  }
  if (query.id) select = select.where('r.id', '=', query.id);
  if (query.type) select = select.where('r.type', '=', query.type);
  if (query.status && query.status.length > 0) select = select.where('r.status', 'in', query.status);
  if (query.ownerId) select = select.where('r.owner_id', '=', query.ownerId);
  if (query.stage) select = select.where('r.stage', '=', query.stage);
  if (query.inSequence === true) select = select.where('c.id', 'is not', null);
  if (query.inSequence === false) select = select.where('c.id', 'is', null);
  if (query.sequenceId) select = select.where('c.sequence_id', '=', query.sequenceId);
  if (query.search?.trim()) {
    const pattern = `%${query.search
      .trim()
      .toLowerCase()
      .replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    const like = (column: 'r.name' | 'r.email' | 'r.company'): Expression<SqlBool> =>
      sql<SqlBool>`lower(${sql.ref(column)}) like ${pattern} escape '\\'`;
    select = select.where((eb) => eb.or([like('r.name'), like('r.email'), like('r.company')]));
  }
  if (query.after) {
    const { key, id } = query.after;
    const op = query.descending ? sql.raw('<') : sql.raw('>');
    select = select.where(
      sql<SqlBool>`(${sortKey} ${op} ${key} or (${sortKey} = ${key} and r.id ${op} ${id}))`,
    );
  }
  const direction = query.descending ? 'desc' : 'asc';
  return (await select
    .orderBy(sortKey, direction)
    .orderBy('r.id', direction)
    .limit(query.limit + 1)
    .execute()) as RecordGridRow[];
}

// ── CSV import ──────────────────────────────────────────────────────────────────────────────────────────────

export interface CsvImportInput {
  orgId: string;
  actorId: string | null;
  type: RecordType;
  csv: string;
  /** Header → field overrides (`{ "E-mail": "email", "Notes": "ignore" }`). */
  overrides: Record<string, string>;
  /** Owner of rows without an owner cell; null: such rows are refused. */
  defaultOwner: OwnerRef | null;
  /** Null when the importer may give a record to `owner`, else the reason not. */
  ownerRefusal: (owner: OwnerRef) => string | null;
  customFields: FieldDefinition[];
  now: number;
  /** Valid rows per transaction. */
  batchSize?: number;
  /** Named in the audit log (a file name, "api"). */
  source: string;
  onProgress?: (processed: number, total: number) => void;
  /** Runs inside each batch's transaction after its rows are inserted (record-change hooks). */
  afterInsert?: (trx: Kysely<Database>, rows: RecordRow[]) => Promise<void>;
}

export interface CsvImportReport {
  /** Data rows in the file. */
  total: number;
  imported: number;
  failed: number;
  /** Every row that was not imported, with its reasons, in file order. */
  errors: RowError[];
  /** Headers that matched no field; their cells were not imported. */
  ignoredColumns: string[];
  /** Problems with the file or the mapping; when present nothing was imported. */
  problems: string[];
  ids: string[];
}

export async function activeOwners(db: Kysely<Database>, orgId: string): Promise<Map<string, OwnerRef>> {
  const users = await db
    .selectFrom('users')
    .select(['id', 'email', 'business_unit_id'])
    .where('org_id', '=', orgId)
    .where('active', '=', 1)
    .execute();
  const owners = new Map<string, OwnerRef>();
  for (const user of users) {
    const ref = { id: user.id, businessUnitId: user.business_unit_id };
    owners.set(user.email.toLowerCase(), ref);
    owners.set(user.id, ref);
  }
  return owners;
}

/**
 * Imports records from CSV text: maps the columns, checks every row, and inserts the good rows in batches, one
 * transaction per batch (with an audit entry listing the batch's ids). Bad rows are reported, never dropped.
 */
export async function importRecordsFromCsv(
  db: Kysely<Database>,
  input: CsvImportInput,
): Promise<CsvImportReport> {
  const report: CsvImportReport = {
    total: 0,
    imported: 0,
    failed: 0,
    errors: [],
    ignoredColumns: [],
    problems: [],
    ids: [],
  };
  let parsed: ReturnType<typeof parseCsv>;
  try {
    parsed = parseCsv(input.csv);
  } catch (error) {
    report.problems.push(
      `The file is not valid CSV: ${error instanceof Error ? error.message : String(error)}`,
    );
    return report;
  }
  report.total = parsed.rows.length;
  if (parsed.header.length === 0) {
    report.problems.push('The file is empty; the first line must name the columns');
    return report;
  }
  const mapping = mapColumns(parsed.header, input.customFields, input.overrides);
  report.ignoredColumns = mapping.ignored;
  if (mapping.problems.length > 0) {
    report.problems.push(...mapping.problems);
    return report;
  }
  const owners = await activeOwners(db, input.orgId);
  const context = {
    type: input.type,
    customFields: input.customFields,
    owners,
    defaultOwner: input.defaultOwner,
    ownerRefusal: input.ownerRefusal,
  };
  const batchSize = input.batchSize ?? 2000;
  let processed = 0;
  for (let start = 0; start < parsed.rows.length; start += batchSize) {
    const chunk = parsed.rows.slice(start, start + batchSize);
    const rows: RecordRow[] = [];
    for (const row of chunk) {
      const result = validateRow(row.cells, row.line, mapping, context);
      if (result.ok) rows.push(toRecordRow(input.orgId, result.record, input.now));
      else report.errors.push(result.error);
    }
    if (rows.length > 0) {
      await db.transaction().execute(async (trx) => {
        await insertRecordRows(trx, rows);
        await recordAudit(trx, {
          orgId: input.orgId,
          actorId: input.actorId,
          action: 'record.import',
          resourceType: 'record',
          resourceId: null,
          after: {
            type: input.type,
            source: input.source,
            count: rows.length,
            ids: rows.map((row) => row.id),
          },
          at: input.now,
        });
        if (input.afterInsert) await input.afterInsert(trx, rows);
      });
      report.ids.push(...rows.map((row) => row.id));
    }
    processed += chunk.length;
    input.onProgress?.(processed, parsed.rows.length);
  }
  report.imported = report.ids.length;
  report.failed = report.errors.length;
  return report;
}
