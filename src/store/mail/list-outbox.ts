import type { Kysely } from 'kysely';
import type { Database, MessageStatus } from '../schema.ts';
import type { OutboundRow } from './claim-messages.ts';

/** The outbox list, requeueing a message and the step node of a message. */

export interface OutboxFilter {
  status?: MessageStatus;
  recordId?: string;
  senderUserId?: string;
  /** Only messages of these senders (visibility); undefined: all. */
  senderIn?: string[];
  before?: { not_before: number; id: string };
  limit: number;
}

export async function listOutbox(db: Kysely<Database>, orgId: string, filter: OutboxFilter) {
  let query = db.selectFrom('outbound_messages').selectAll().where('org_id', '=', orgId);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.recordId) query = query.where('record_id', '=', filter.recordId);
  if (filter.senderUserId) query = query.where('sender_user_id', '=', filter.senderUserId);
  if (filter.senderIn) {
    if (filter.senderIn.length === 0) return [];
    query = query.where('sender_user_id', 'in', filter.senderIn);
  }
  const before = filter.before;
  if (before) {
    query = query.where((eb) =>
      eb.or([
        eb('not_before', '<', before.not_before),
        eb.and([eb('not_before', '=', before.not_before), eb('id', '<', before.id)]),
      ]),
    );
  }
  return query
    .orderBy('not_before', 'desc')
    .orderBy('id', 'desc')
    .limit(filter.limit + 1)
    .execute();
}

/** Puts a held message back in the queue (after the record or template was fixed). */
export async function requeueMessage(
  db: Kysely<Database>,
  orgId: string,
  id: string,
  now: number,
): Promise<boolean> {
  const result = await db
    .updateTable('outbound_messages')
    .set({
      status: 'queued',
      not_before: now,
      hold_reason: null,
      last_error: null,
      lease_owner: null,
      lease_until: null,
      updated_at: now,
    })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .where('status', '=', 'held')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** The sequence node of the step an email belongs to (for the engine's `email_failed` event), or null. */
export async function findStepNodeId(
  db: Kysely<Database>,
  row: Pick<OutboundRow, 'org_id' | 'step_instance_id'>,
): Promise<string | null> {
  if (!row.step_instance_id) return null;
  const step = await db
    .selectFrom('step_instances')
    .select('node_id')
    .where('org_id', '=', row.org_id)
    .where('id', '=', row.step_instance_id)
    .executeTakeFirst();
  return step?.node_id ?? null;
}
