import type { Kysely } from 'kysely';
import { newId } from '../ids.ts';
import type { Database } from '../schema.ts';

/** One entry on a record's timeline: a step done, skipped, snoozed, an email sent or opened, a connection made… */
export interface TimelineEntry {
  orgId: string;
  recordId: string;
  connectionId: string | null;
  /** e.g. `connected`, `disconnected`, `paused`, `resumed`, `step_completed`, `step_skipped`, `step_snoozed`. */
  kind: string;
  actorId: string | null;
  summary: string;
  data?: Record<string, unknown>;
  at: number;
}

function row(entry: TimelineEntry) {
  return {
    org_id: entry.orgId,
    id: newId(entry.at),
    record_id: entry.recordId,
    connection_id: entry.connectionId,
    kind: entry.kind,
    actor_id: entry.actorId,
    summary: entry.summary.slice(0, 1000),
    data_json: JSON.stringify(entry.data ?? {}),
    occurred_at: entry.at,
  };
}

/** Appends to a record's timeline; call it in the same transaction as the change it describes. */
export async function recordTimeline(db: Kysely<Database>, entry: TimelineEntry): Promise<void> {
  await db.insertInto('timeline_events').values(row(entry)).execute();
}

/** Many entries in multi-row statements (bulk connect, bulk disconnect). */
export async function recordTimelineMany(db: Kysely<Database>, entries: TimelineEntry[]): Promise<void> {
  for (let i = 0; i < entries.length; i += 500) {
    const chunk = entries.slice(i, i + 500);
    if (chunk.length > 0) await db.insertInto('timeline_events').values(chunk.map(row)).execute();
  }
}

export interface TimelineCursor {
  at: number;
  id: string;
}

/** A record's timeline, newest first, `limit + 1` rows (see src/api/pagination.ts). */
export async function listTimeline(
  db: Kysely<Database>,
  orgId: string,
  recordId: string,
  options: { limit: number; after?: TimelineCursor | undefined; kinds?: string[] | undefined },
) {
  let query = db
    .selectFrom('timeline_events as t')
    .leftJoin('users as u', (join) =>
      join.onRef('u.org_id', '=', 't.org_id').onRef('u.id', '=', 't.actor_id'),
    )
    .select([
      't.id',
      't.connection_id',
      't.kind',
      't.actor_id',
      'u.name as actor_name',
      't.summary',
      't.data_json',
      't.occurred_at',
    ])
    .where('t.org_id', '=', orgId)
    .where('t.record_id', '=', recordId);
  if (options.kinds && options.kinds.length > 0) query = query.where('t.kind', 'in', options.kinds);
  const after = options.after;
  if (after) {
    query = query.where((eb) =>
      eb.or([
        eb('t.occurred_at', '<', after.at),
        eb.and([eb('t.occurred_at', '=', after.at), eb('t.id', '<', after.id)]),
      ]),
    );
  }
  return query
    .orderBy('t.occurred_at', 'desc')
    .orderBy('t.id', 'desc')
    .limit(options.limit + 1)
    .execute();
}
