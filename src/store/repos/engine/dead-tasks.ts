import type { Kysely } from 'kysely';
import type { Database } from '../../schema.ts';

/** Tasks the engine gave up on (`dead`): the admin list and the requeue action. */

export interface DeadTaskRow {
  id: string;
  connection_id: string;
  kind: string;
  payload_json: string;
  attempts: number;
  last_error: string | null;
  updated_at: number;
  record_id: string | null;
  record_name: string | null;
  sequence_id: string | null;
  sequence_name: string | null;
}

/** An organisation's dead tasks, newest first (`before`: the keyset of the previous page's last row). */
export async function listDeadTasks(
  db: Kysely<Database>,
  orgId: string,
  options: { limit: number; before?: { at: number; id: string } },
): Promise<DeadTaskRow[]> {
  let query = db
    .selectFrom('scheduled_tasks as t')
    .leftJoin('connections as c', (join) =>
      join.onRef('c.org_id', '=', 't.org_id').onRef('c.id', '=', 't.connection_id'),
    )
    .leftJoin('records as r', (join) =>
      join.onRef('r.org_id', '=', 'c.org_id').onRef('r.id', '=', 'c.record_id'),
    )
    .leftJoin('sequences as s', (join) =>
      join.onRef('s.org_id', '=', 'c.org_id').onRef('s.id', '=', 'c.sequence_id'),
    )
    .select([
      't.id',
      't.connection_id',
      't.kind',
      't.payload_json',
      't.attempts',
      't.last_error',
      't.updated_at',
      'r.id as record_id',
      'r.name as record_name',
      's.id as sequence_id',
      's.name as sequence_name',
    ])
    .where('t.org_id', '=', orgId)
    .where('t.status', '=', 'dead');
  const before = options.before;
  if (before)
    query = query.where((eb) =>
      eb.or([
        eb('t.updated_at', '<', before.at),
        eb.and([eb('t.updated_at', '=', before.at), eb('t.id', '<', before.id)]),
      ]),
    );
  return query.orderBy('t.updated_at', 'desc').orderBy('t.id', 'desc').limit(options.limit).execute();
}

/** Puts a dead task back in line, due now with a fresh set of attempts; false when it is not dead. */
export async function requeueDeadTask(
  db: Kysely<Database>,
  orgId: string,
  id: string,
  now: number,
): Promise<boolean> {
  const result = await db
    .updateTable('scheduled_tasks')
    .set({
      status: 'pending',
      attempts: 0,
      due_at: now,
      lease_owner: null,
      lease_until: null,
      updated_at: now,
    })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .where('status', '=', 'dead')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
