import type { Kysely } from 'kysely';
import { holdConnectionTasks, releaseConnectionTasks } from '../repos/engine-repo.ts';
import type { Database } from '../schema.ts';

/** The connection a pause or resume changed, for its webhook. */
export interface ChangedConnection {
  record_id: string;
  sequence_id: string;
}

/**
 * Pauses a live connection: its scheduled work is held (kept, not applied) until it is resumed. Events that
 * arrive meanwhile are held too. Returns null when the connection was not active.
 */
export async function pauseConnectionRow(
  db: Kysely<Database>,
  input: { orgId: string; connectionId: string; now: number },
): Promise<ChangedConnection | null> {
  const row = await db
    .updateTable('connections')
    .set({ status: 'paused', updated_at: input.now })
    .where('org_id', '=', input.orgId)
    .where('id', '=', input.connectionId)
    .where('status', '=', 'active')
    .returning(['record_id', 'sequence_id'])
    .executeTakeFirst();
  if (!row) return null;
  await holdConnectionTasks(db, input.orgId, input.connectionId, input.now);
  return row;
}

/**
 * Resumes a paused connection: held work becomes due again (a wait that ended during the pause fires at once).
 * Returns null when the connection was not paused.
 */
export async function resumeConnectionRow(
  db: Kysely<Database>,
  input: { orgId: string; connectionId: string; now: number },
): Promise<ChangedConnection | null> {
  const row = await db
    .updateTable('connections')
    .set({ status: 'active', updated_at: input.now })
    .where('org_id', '=', input.orgId)
    .where('id', '=', input.connectionId)
    .where('status', '=', 'paused')
    .returning(['record_id', 'sequence_id'])
    .executeTakeFirst();
  if (!row) return null;
  await releaseConnectionTasks(db, input.orgId, input.connectionId, input.now);
  return row;
}
