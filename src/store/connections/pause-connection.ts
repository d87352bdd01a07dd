import type { Kysely } from 'kysely';
import { holdConnectionTasks, releaseConnectionTasks } from '../repos/engine-repo.ts';
import type { Database } from '../schema.ts';

/**
 * Pauses a live connection: its scheduled work is held (kept, not applied) until it is resumed. Events that
 * arrive meanwhile are held too. Returns false when the connection was not active.
 */
export async function pauseConnection(
  db: Kysely<Database>,
  input: { orgId: string; connectionId: string; now: number },
): Promise<boolean> {
  const result = await db
    .updateTable('connections')
    .set({ status: 'paused', updated_at: input.now })
    .where('org_id', '=', input.orgId)
    .where('id', '=', input.connectionId)
    .where('status', '=', 'active')
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) return false;
  await holdConnectionTasks(db, input.orgId, input.connectionId, input.now);
  return true;
}

/**
 * Resumes a paused connection: held work becomes due again (a wait that ended during the pause fires at once).
 * Returns false when the connection was not paused.
 */
export async function resumeConnection(
  db: Kysely<Database>,
  input: { orgId: string; connectionId: string; now: number },
): Promise<boolean> {
  const result = await db
    .updateTable('connections')
    .set({ status: 'active', updated_at: input.now })
    .where('org_id', '=', input.orgId)
    .where('id', '=', input.connectionId)
    .where('status', '=', 'paused')
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) return false;
  await releaseConnectionTasks(db, input.orgId, input.connectionId, input.now);
  return true;
}
