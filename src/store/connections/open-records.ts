import { type ExpressionBuilder, type Kysely, PostgresAdapter, sql } from 'kysely';
import type { RecordScope } from '../../domain/connect/scope.ts';
import type { Database, RecordsTable, RecordType } from '../schema.ts';
import { LIVE_STATUSES } from './connection-rows.ts';

export interface OpenRecordsFilter {
  orgId: string;
  recordType: RecordType;
  /** Leave out records with a live connection. */
  withoutSequence: boolean;
  /** Restrict to records the caller may see. */
  scope: RecordScope;
  /** Only records of this owner. */
  ownerId?: string | undefined;
}

/** Open records of the type, optionally without a live connection, within the caller's scope. */
function openRecordsQuery(db: Kysely<Database>, input: OpenRecordsFilter) {
  let query = db
    .selectFrom('records as r')
    .where('r.org_id', '=', input.orgId)
    .where('r.type', '=', input.recordType)
    .where('r.status', '=', 'open');
  if (input.withoutSequence) {
    query = query.where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('connections as c')
            .select(sql`1`.as('one'))
            .whereRef('c.org_id', '=', 'r.org_id')
            .whereRef('c.record_id', '=', 'r.id')
            .where('c.status', 'in', LIVE_STATUSES),
        ),
      ),
    );
  }
  const scope = input.scope;
  if (scope.kind === 'owner') query = query.where('r.owner_id', '=', scope.userId);
  if (scope.kind === 'units') {
    query = query.where((eb) =>
      eb.or([eb('r.business_unit_id', 'in', scope.businessUnitIds), eb('r.owner_id', '=', scope.userId)]),
    );
  }
  if (input.ownerId !== undefined) query = query.where('r.owner_id', '=', input.ownerId);
  return query;
}

/** How many records the filter matches (a bulk job's total). */
export async function countOpenRecords(db: Kysely<Database>, input: OpenRecordsFilter): Promise<number> {
  const counted = await openRecordsQuery(db, input)
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(counted.n);
}

/**
 * The next `limit` matching records in id order after `after` (a plain range scan; a bulk job's chunk). Records
 * with a live connection are best left out by the caller with one indexed lookup per chunk rather than by
 * `withoutSequence`, an anti-join the planner might run per chunk.
 */
export async function scanOpenRecords(
  db: Kysely<Database>,
  input: OpenRecordsFilter & { after: string | null; limit: number },
): Promise<RecordsTable[]> {
  return openRecordsPage(db, input).selectAll('r').execute();
}

/** One page of open records in id order after `after`: an index range read in order (no sort), whatever the size. */
export function openRecordsPage(
  db: Kysely<Database>,
  input: OpenRecordsFilter & { after: string | null; limit: number },
) {
  return openRecordsQuery(db, input)
    .where((eb) => (input.after === null ? eb.lit(true) : eb('r.id', '>', input.after)))
    .orderBy('r.id')
    .limit(input.limit);
}

/**
 * `scanOpenRecords` that also tells which of the page's records have a live connection, read in the same
 * statement (an indexed probe per record) instead of a second round trip per chunk.
 *
 * On PostgreSQL the probe carries `OFFSET 0`, which keeps the planner from turning the EXISTS into a hashed
 * subplan: with the statistics of a freshly connected table that would read every live connection of the
 * organisation once per chunk (a bulk job's cost growing with the square of its size) instead of the page's
 * few index entries.
 */
export function openRecordsPageMarkingLive(
  db: Kysely<Database>,
  input: OpenRecordsFilter & { after: string | null; limit: number },
) {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  return openRecordsPage(db, input).selectAll('r').select(liveProbe(pg));
}

/** The columns deciding whether a record may be connected (`ConnectableRecord`): a job without a field rule reads only these. */
const CONNECT_COLUMNS = [
  'r.org_id',
  'r.id',
  'r.type',
  'r.status',
  'r.email',
  'r.do_not_email',
  'r.owner_id',
  'r.business_unit_id',
] as const;

export type ConnectableRecord = Pick<
  RecordsTable,
  'org_id' | 'id' | 'type' | 'status' | 'email' | 'do_not_email' | 'owner_id' | 'business_unit_id'
>;

function liveProbe(pg: boolean) {
  return (eb: ExpressionBuilder<Database & { r: RecordsTable }, 'r'>) => {
    const probe = eb
      .selectFrom('connections as c')
      .select(sql`1`.as('one'))
      .whereRef('c.org_id', '=', 'r.org_id')
      .whereRef('c.record_id', '=', 'r.id')
      .where('c.status', 'in', LIVE_STATUSES);
    return eb.exists(pg ? probe.modifyEnd(sql`offset 0`) : probe).as('live_connection');
  };
}

/** `openRecordsPageMarkingLive` reading only the columns in `ConnectableRecord`. */
export function connectablePageMarkingLive(
  db: Kysely<Database>,
  input: OpenRecordsFilter & { after: string | null; limit: number },
) {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  return openRecordsPage(db, input).select(CONNECT_COLUMNS).select(liveProbe(pg));
}

/** A scanned record: the connect columns always, every column when the scan asked for `all`. */
export type ScannedRecord = ConnectableRecord & Partial<RecordsTable>;

/** Whether a scanned record carries every column (a scan with `columns: 'all'`). */
export function isFullRecord(record: ScannedRecord): record is RecordsTable {
  return record.custom_json !== undefined;
}

/**
 * A chunk's page and which of its records have a live connection. `columns: 'connect'` reads only what deciding
 * the connection needs (a 100,000-record job then parses 8 columns per record instead of 21).
 */
export async function scanOpenRecordsMarkingLive(
  db: Kysely<Database>,
  input: OpenRecordsFilter & { after: string | null; limit: number; columns: 'all' | 'connect' },
): Promise<{ page: ScannedRecord[]; live: Set<string> }> {
  const rows: (ScannedRecord & { live_connection: unknown })[] =
    input.columns === 'all'
      ? await openRecordsPageMarkingLive(db, input).execute()
      : await connectablePageMarkingLive(db, input).execute();
  const live = new Set<string>();
  const page = rows.map(({ live_connection, ...record }) => {
    if (live_connection) live.add(record.id);
    return record;
  });
  return { page, live };
}
