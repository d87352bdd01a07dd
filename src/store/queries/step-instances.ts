import type { Kysely, Selectable } from 'kysely';
import type { Database, StepInstancesTable } from '../schema.ts';

export type StepInstanceRow = Selectable<StepInstancesTable>;

/** One step instance of the organisation, or undefined. */
export async function findStepInstance(
  db: Kysely<Database>,
  orgId: string,
  id: string,
): Promise<StepInstanceRow | undefined> {
  return db
    .selectFrom('step_instances')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** Marks a step read once; a second call changes nothing. True when this call marked it. */
export async function markStepRead(db: Kysely<Database>, orgId: string, id: string, now: number) {
  const result = await db
    .updateTable('step_instances')
    .set({ read_at: now, updated_at: now })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .where('read_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Every step instance of a connection in creation order, with the name of whoever completed it. */
export async function stepsOfConnection(db: Kysely<Database>, orgId: string, connectionId: string) {
  return db
    .selectFrom('step_instances as si')
    .leftJoin('users as u', (join) =>
      join.onRef('u.org_id', '=', 'si.org_id').onRef('u.id', '=', 'si.completed_by'),
    )
    .selectAll('si')
    .select('u.name as completed_by_name')
    .where('si.org_id', '=', orgId)
    .where('si.connection_id', '=', connectionId)
    .orderBy('si.created_at')
    .orderBy('si.id')
    .execute();
}
