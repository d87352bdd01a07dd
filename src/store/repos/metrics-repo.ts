import { type Kysely, sql } from 'kysely';
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
  /** Engine tasks that crashed their worker or failed too often and wait for an admin (Settings → Engine tasks). */
  deadTasks: number;
  /** Webhook deliveries still pending and given up (`failed`); delivered ones are not counted (they only grow). */
  webhookDeliveries: { pending: number; failed: number };
}

/** The gauges of /api/metrics, counted across all organisations (a few grouped queries). */
export async function loadOperationalCounts(db: Kysely<Database>, now: number): Promise<OperationalCounts> {
  const [outbox, connections, due, queued, dead, webhooks] = await Promise.all([
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
      .where('status', '=', sql.lit('pending'))
      .where('due_at', '<=', now)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('outbound_messages')
      .select((eb) => eb.fn.min('not_before').as('oldest'))
      .where('status', '=', 'queued')
      .where('not_before', '<=', now)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('scheduled_tasks')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', 'dead')
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('webhook_deliveries')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .where('status', 'in', ['pending', 'failed'])
      .groupBy('status')
      .execute(),
  ]);
  const webhookCount = (status: 'pending' | 'failed') =>
    Number(webhooks.find((row) => row.status === status)?.n ?? 0);
  return {
    outboxByStatus: Object.fromEntries(outbox.map((row) => [row.status, Number(row.n)])),
    connectionsByStatus: Object.fromEntries(connections.map((row) => [row.status, Number(row.n)])),
    dueTasks: Number(due.n),
    oldestDueAt: due.oldest === null ? null : Number(due.oldest),
    oldestQueuedAt: queued.oldest === null ? null : Number(queued.oldest),
    deadTasks: Number(dead.n),
    webhookDeliveries: { pending: webhookCount('pending'), failed: webhookCount('failed') },
  };
}

/** How many organisations this deployment hosts (whose admins may read its deployment-wide metrics). */
export async function countOrgs(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('orgs')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
