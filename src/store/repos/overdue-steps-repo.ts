import { type Kysely, sql } from 'kysely';
import type { Database } from '../schema.ts';

export interface OverdueStep {
  org_id: string;
  id: string;
  owner_id: string;
  record_id: string;
  name: string;
  due_at: number;
  record_name: string;
}

/**
 * Open manual steps that fell overdue (due before `cutoff`, at most `lookbackMs` earlier) and have no overdue
 * notification yet. Read by range on the open steps' `step_instances (due_at) WHERE status = 'due'` (migration
 * 0029); the NOT EXISTS probe uses the unique `notifications (org_id, dedupe_key)` index, so the worker's periodic
 * check stays cheap however many steps were ever overdue.
 */
export async function overdueStepsWithoutNotice(
  db: Kysely<Database>,
  input: OverdueInput,
): Promise<OverdueStep[]> {
  if (input.kinds.length === 0) return [];
  return overdueStepsQuery(db, input).execute() as Promise<OverdueStep[]>;
}

export interface OverdueInput {
  cutoff: number;
  lookbackMs: number;
  kinds: readonly string[];
  limit: number;
}

/** The statement of `overdueStepsWithoutNotice` (a test checks its plan). */
export function overdueStepsQuery(db: Kysely<Database>, input: OverdueInput) {
  return (
    db
      .selectFrom('step_instances as s')
      .innerJoin('records as r', (join) =>
        join.onRef('r.org_id', '=', 's.org_id').onRef('r.id', '=', 's.record_id'),
      )
      .select([
        's.org_id',
        's.id',
        's.owner_id',
        's.record_id',
        's.name',
        's.due_at',
        'r.name as record_name',
      ])
      // A literal, so both planners can match the partial `(due_at) WHERE status = 'due'` index (migration 0029).
      .where('s.status', '=', sql.lit('due'))
      .where('s.due_at', '<', input.cutoff)
      .where('s.due_at', '>=', input.cutoff - input.lookbackMs)
      .where('s.kind', 'in', [...input.kinds])
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('notifications as n')
              .select(sql`1`.as('one'))
              .whereRef('n.org_id', '=', 's.org_id')
              // `notificationKey.stepOverdue` (step and due time), or the key of a notice written before the
              // due time was part of it.
              .where((eb) =>
                eb.or([
                  eb(
                    'n.dedupe_key',
                    '=',
                    sql<string>`${'step_overdue:'} || s.id || ${'@'} || CAST(s.due_at AS TEXT)`,
                  ),
                  eb('n.dedupe_key', '=', sql<string>`${'step_overdue:'} || s.id`),
                ]),
              ),
          ),
        ),
      )
      .orderBy('s.due_at')
      .limit(input.limit)
  );
}
