import type { Kysely } from 'kysely';
import type { ConnectionStatus, Database, MessageStatus } from '../schema.ts';

export interface OperationalCounts {
  outboxByStatus: Partial<Record<MessageStatus, number>>;
  connectionsByStatus: Partial<Record<ConnectionStatus, number>>;
  /** Engine tasks pending with `due_at <= now`. */
  dueTasks: number;
  /** `due_at` of the oldest of them, or null when nothing is due. */
  oldestDueAt: number | null;
  /** `not_before` of the oldest queued email whose time has come (delivery lag), or null. */
  oldestQueuedAt: number | null;
}

/** The gauges of /api/metrics, counted across all organisations (three grouped queries). */
export async function loadOperationalCounts(db: Kysely<Database>, now: number): Promise<OperationalCounts> {
  const [outbox, connections, due, queued] = await Promise.all([
    db
      .selectFrom('outbound_messages')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('status')
      .execute(),
    db
      .selectFrom('connections')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('status')
      .execute(),
    db
      .selectFrom('scheduled_tasks')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.min('due_at').as('oldest')])
      .where('status', '=', 'pending')
      .where('due_at', '<=', now)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('outbound_messages')
      .select((eb) => eb.fn.min('not_before').as('oldest'))
      .where('status', '=', 'queued')
      .where('not_before', '<=', now)
      .executeTakeFirstOrThrow(),
  ]);
  return {
    outboxByStatus: Object.fromEntries(outbox.map((row) => [row.status, Number(row.n)])),
    connectionsByStatus: Object.fromEntries(connections.map((row) => [row.status, Number(row.n)])),
    dueTasks: Number(due.n),
    oldestDueAt: due.oldest === null ? null : Number(due.oldest),
    oldestQueuedAt: queued.oldest === null ? null : Number(queued.oldest),
  };
}
