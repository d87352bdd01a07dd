import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

/**
 * Moves pending tasks' due time: those due at or before `dueBy` (or exactly at `dueAt`) to `to`. Returns how
 * many moved. The benchmark parks a backlog and releases it at once.
 */
export async function moveDueTasks(
  db: Kysely<Database>,
  input: ({ dueBy: number } | { dueAt: number }) & { to: number },
): Promise<number> {
  const result = await db
    .updateTable('scheduled_tasks')
    .set({ due_at: input.to })
    .where('status', '=', 'pending')
    .where('due_at', 'dueBy' in input ? '<=' : '=', 'dueBy' in input ? input.dueBy : input.dueAt)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
