import { type ExpressionBuilder, type Kysely, sql } from 'kysely';
import { MANUAL_KINDS } from '../../domain/worklist/steps.ts';
import type { Database, RecordType } from '../schema.ts';

export const WORKLIST_SORTS = ['due', 'record_name', 'record_type', 'sequence'] as const;
export type WorklistSort = (typeof WORKLIST_SORTS)[number];

export interface WorklistFilter {
  orgId: string;
  ownerId: string;
  /** Followed-records filter reads the caller's follows, even when a manager looks at a seller's list. */
  viewerId: string;
  dueFrom: number | null;
  dueTo: number;
  kinds?: string[] | undefined;
  recordTypes?: RecordType[] | undefined;
  sequenceIds?: string[] | undefined;
  unread?: boolean | undefined;
  followed?: boolean | undefined;
  sort: WorklistSort;
  limit: number;
  after?: WorklistCursor | undefined;
}

/** The sort key of the last item seen: `k` is the sort column (absent for `due`). */
export interface WorklistCursor {
  k?: string | undefined;
  d: number;
  p: number;
  i: string;
}

/**
 * A seller's due manual steps. Shaped for the partial `step_instances_open (org_id, owner_id, due_at) WHERE
 * status = 'due'` index (migration 0025; the status is a literal so both planners can match the partial index):
 * equality on the first two columns, a range on `due_at`, and (for the default sort) the index order itself, so a
 * page reads about `limit` index entries however many steps the organisation holds. The joins are primary-key
 * lookups for the rows of the page. Steps of paused connections are hidden.
 */
export async function queryWorklist(db: Kysely<Database>, f: WorklistFilter) {
  return worklistQuery(db, f).execute();
}

type WorklistScope = ExpressionBuilder<
  Database & { si: Database['step_instances']; c: Database['connections']; r: Database['records'] },
  'si' | 'c' | 'r'
>;

/** The name of the step's sequence, as a correlated subquery ('' for a sequence that is gone). */
function sequenceName(eb: WorklistScope) {
  return eb.fn.coalesce(
    eb
      .selectFrom('sequences as s')
      .select('s.name')
      .whereRef('s.org_id', '=', 'si.org_id')
      .whereRef('s.id', '=', 'si.sequence_id'),
    sql.lit(''),
  );
}

/** The work-list statement, unexecuted (`queryWorklist` runs it; the EXPLAIN test plans it). */
export function worklistQuery(db: Kysely<Database>, f: WorklistFilter) {
  let query = db
    .selectFrom('step_instances as si')
    .innerJoin('connections as c', (join) =>
      join.onRef('c.org_id', '=', 'si.org_id').onRef('c.id', '=', 'si.connection_id'),
    )
    .innerJoin('records as r', (join) =>
      join.onRef('r.org_id', '=', 'si.org_id').onRef('r.id', '=', 'si.record_id'),
    )
    // Sorted by a record or sequence column, the whole list is read and sorted anyway; with the sequence joined
    // both planners keep to the indexes there (see the plan test).
    .$if(f.sort !== 'due', (qb) =>
      qb.innerJoin('sequences as s', (join) =>
        join.onRef('s.org_id', '=', 'si.org_id').onRef('s.id', '=', 'si.sequence_id'),
      ),
    )
    .select([
      'si.id',
      'si.connection_id',
      'si.node_id',
      'si.kind',
      'si.name',
      'si.status',
      'si.due_at',
      'si.priority',
      'si.read_at',
      'si.owner_id',
      'si.created_at',
      'c.version_id',
      'r.id as record_id',
      'r.name as record_name',
      'r.type as record_type',
      'r.company as record_company',
      'r.email as record_email',
      'r.phone_business as record_phone_business',
      'r.phone_mobile as record_phone_mobile',
      'r.do_not_call as record_do_not_call',
      'si.sequence_id',
      // A subquery, not a join, for the default sort: joined, SQLite put the few-row sequences table first and
      // then read and sorted every due step of the seller; this way the page is read in the index's order.
      (eb) => sequenceName(eb).as('sequence_name'),
      (eb) =>
        eb
          .exists(
            eb
              .selectFrom('record_follows as rf')
              .select('rf.record_id')
              .whereRef('rf.org_id', '=', 'si.org_id')
              .whereRef('rf.record_id', '=', 'si.record_id')
              .where('rf.user_id', '=', f.viewerId),
          )
          .as('followed'),
    ])
    .where('si.org_id', '=', f.orgId)
    .where('si.owner_id', '=', f.ownerId)
    .where('si.status', '=', sql.lit('due'))
    .where('si.due_at', '<', f.dueTo)
    .where('si.kind', 'in', f.kinds && f.kinds.length > 0 ? f.kinds : MANUAL_KINDS)
    .where('c.status', '=', 'active');
  if (f.dueFrom !== null) query = query.where('si.due_at', '>=', f.dueFrom);
  if (f.recordTypes && f.recordTypes.length > 0) query = query.where('r.type', 'in', f.recordTypes);
  if (f.sequenceIds && f.sequenceIds.length > 0) query = query.where('si.sequence_id', 'in', f.sequenceIds);
  if (f.unread) query = query.where('si.read_at', 'is', null);
  if (f.followed) {
    query = query.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('record_follows as rf')
          .select('rf.record_id')
          .whereRef('rf.org_id', '=', 'si.org_id')
          .whereRef('rf.record_id', '=', 'si.record_id')
          .where('rf.user_id', '=', f.viewerId),
      ),
    );
  }
  const after = f.after;
  if (f.sort === 'due') {
    if (after) {
      query = query.where((eb) =>
        eb.or([
          eb('si.due_at', '>', after.d),
          eb.and([
            eb('si.due_at', '=', after.d),
            eb.or([
              eb('si.priority', '<', after.p),
              eb.and([eb('si.priority', '=', after.p), eb('si.id', '>', after.i)]),
            ]),
          ]),
        ]),
      );
    }
    return query
      .orderBy('si.due_at', 'asc')
      .orderBy('si.priority', 'desc')
      .orderBy('si.id', 'asc')
      .limit(f.limit + 1);
  }
  const column = (eb: WorklistScope) =>
    f.sort === 'record_name'
      ? eb.ref('r.name')
      : f.sort === 'record_type'
        ? eb.ref('r.type')
        : sql.ref<string>('s.name');
  if (after) {
    const key = after.k ?? '';
    query = query.where((eb) =>
      eb.or([
        eb(column(eb), '>', key),
        eb.and([
          eb(column(eb), '=', key),
          eb.or([
            eb('si.due_at', '>', after.d),
            eb.and([eb('si.due_at', '=', after.d), eb('si.id', '>', after.i)]),
          ]),
        ]),
      ]),
    );
  }
  return query
    .orderBy((eb) => column(eb), 'asc')
    .orderBy('si.due_at', 'asc')
    .orderBy('si.id', 'asc')
    .limit(f.limit + 1);
}

export type WorklistRow = Awaited<ReturnType<typeof queryWorklist>>[number];

export function worklistCursorOf(sort: WorklistSort, row: WorklistRow): WorklistCursor {
  const base = { d: row.due_at ?? 0, p: row.priority, i: row.id };
  switch (sort) {
    case 'due':
      return base;
    case 'record_name':
      return { ...base, k: row.record_name };
    case 'record_type':
      return { ...base, k: row.record_type };
    case 'sequence':
      return { ...base, k: row.sequence_name };
  }
}

export async function setFollow(
  db: Kysely<Database>,
  input: { orgId: string; userId: string; recordId: string; follow: boolean; now: number },
): Promise<void> {
  if (input.follow) {
    await db
      .insertInto('record_follows')
      .values({
        org_id: input.orgId,
        user_id: input.userId,
        record_id: input.recordId,
        created_at: input.now,
      })
      .onConflict((oc) => oc.columns(['org_id', 'user_id', 'record_id']).doNothing())
      .execute();
  } else {
    await db
      .deleteFrom('record_follows')
      .where('org_id', '=', input.orgId)
      .where('user_id', '=', input.userId)
      .where('record_id', '=', input.recordId)
      .execute();
  }
}

export async function isFollowing(db: Kysely<Database>, orgId: string, userId: string, recordId: string) {
  const row = await db
    .selectFrom('record_follows')
    .select('record_id')
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .where('record_id', '=', recordId)
    .executeTakeFirst();
  return row !== undefined;
}

/** Whether `userId` holds an open step (upcoming, due or waiting) of the record: an assignee may open it. */
export async function hasOpenStepAssigned(
  db: Kysely<Database>,
  orgId: string,
  recordId: string,
  userId: string,
): Promise<boolean> {
  const row = await openStepAssignedQuery(db, orgId, recordId, userId).executeTakeFirst();
  return row !== undefined;
}

/** The read of `hasOpenStepAssigned`: the record's open steps through `step_instances_record_open` (0030). */
export function openStepAssignedQuery(db: Kysely<Database>, orgId: string, recordId: string, userId: string) {
  return (
    db
      .selectFrom('step_instances')
      .select('id')
      .where('org_id', '=', orgId)
      .where('record_id', '=', recordId)
      .where('owner_id', '=', userId)
      // Literally the partial index's predicate, so SQLite can use it too.
      .where('status', 'in', [
        sql.lit('upcoming' as const),
        sql.lit('due' as const),
        sql.lit('waiting' as const),
      ])
      .limit(1)
  );
}
