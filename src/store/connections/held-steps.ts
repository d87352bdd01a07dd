import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';
import { LIVE_STATUSES, OPEN_STEP_STATUSES } from './connection-rows.ts';

/** A live connection in which a user holds an open step of a record someone else owns (a hand-over). */
export interface HeldStepConnection {
  connectionId: string;
  recordId: string;
  recordOwnerId: string;
  recordBusinessUnitId: string;
}

/** The live connections where `userId` holds an open step (due, upcoming, waiting) of a record they do not own. */
export async function connectionsWithStepsHeldBy(
  db: Kysely<Database>,
  input: { orgId: string; userId: string },
): Promise<HeldStepConnection[]> {
  const rows = await db
    .selectFrom('step_instances as s')
    .innerJoin('connections as c', (join) =>
      join.onRef('c.org_id', '=', 's.org_id').onRef('c.id', '=', 's.connection_id'),
    )
    .innerJoin('records as r', (join) =>
      join.onRef('r.org_id', '=', 'c.org_id').onRef('r.id', '=', 'c.record_id'),
    )
    .select([
      'c.id as connectionId',
      'r.id as recordId',
      'r.owner_id as recordOwnerId',
      'r.business_unit_id as recordBusinessUnitId',
    ])
    .distinct()
    .where('s.org_id', '=', input.orgId)
    .where('s.owner_id', '=', input.userId)
    .where('s.status', 'in', OPEN_STEP_STATUSES)
    .where('c.status', 'in', LIVE_STATUSES)
    .where('r.owner_id', '<>', input.userId)
    .orderBy('c.id')
    .execute();
  return rows;
}

/** Who holds an open step of a live connection whose record someone else owns (every hand-over of the org). */
export async function handOverHolders(db: Kysely<Database>, orgId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('step_instances as s')
    .innerJoin('connections as c', (join) =>
      join.onRef('c.org_id', '=', 's.org_id').onRef('c.id', '=', 's.connection_id'),
    )
    .innerJoin('records as r', (join) =>
      join.onRef('r.org_id', '=', 'c.org_id').onRef('r.id', '=', 'c.record_id'),
    )
    .select('s.owner_id')
    .distinct()
    .where('s.org_id', '=', orgId)
    .where('s.status', 'in', OPEN_STEP_STATUSES)
    .where('c.status', 'in', LIVE_STATUSES)
    .whereRef('s.owner_id', '<>', 'r.owner_id')
    .orderBy('s.owner_id')
    .execute();
  return rows.map((row) => row.owner_id);
}
