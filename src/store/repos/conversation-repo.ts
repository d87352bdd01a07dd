import type { Kysely } from 'kysely';
import type { Database, EngagementType, MessageStatus } from '../schema.ts';

/** The emails of a record's conversation, oldest first (canceled ones never went, so they are not part of it). */
export interface ConversationEmailRow {
  id: string;
  sender_user_id: string;
  sender_name: string | null;
  to_address: string;
  subject: string;
  body_html: string;
  body_text: string;
  message_id: string;
  status: MessageStatus;
  hold_reason: string | null;
  last_error: string | null;
  sent_at: number | null;
  created_at: number;
  in_reply_to: string | null;
  references_header: string | null;
}

export async function emailsOfRecord(
  db: Kysely<Database>,
  orgId: string,
  recordId: string,
): Promise<ConversationEmailRow[]> {
  return db
    .selectFrom('outbound_messages as m')
    .leftJoin('users as u', (join) =>
      join.onRef('u.org_id', '=', 'm.org_id').onRef('u.id', '=', 'm.sender_user_id'),
    )
    .leftJoin('outbound_thread_headers as h', (join) =>
      join.onRef('h.org_id', '=', 'm.org_id').onRef('h.outbound_message_id', '=', 'm.id'),
    )
    .select([
      'm.id',
      'm.sender_user_id',
      'u.name as sender_name',
      'm.to_address',
      'm.subject',
      'm.body_html',
      'm.body_text',
      'm.message_id',
      'm.status',
      'm.hold_reason',
      'm.last_error',
      'm.sent_at',
      'm.created_at',
      'h.in_reply_to',
      'h.references_header',
    ])
    .where('m.org_id', '=', orgId)
    .where('m.record_id', '=', recordId)
    .where('m.status', '!=', 'canceled')
    .orderBy('m.created_at')
    .orderBy('m.id')
    .limit(500)
    .execute();
}

export interface ConversationEventRow {
  outbound_message_id: string | null;
  type: EngagementType;
  machine: number;
  data_json: string;
  occurred_at: number;
}

/** Opens, clicks and bounces of the record's emails (replies come in full from `inbound_replies`). */
export async function engagementOfRecord(
  db: Kysely<Database>,
  orgId: string,
  recordId: string,
): Promise<ConversationEventRow[]> {
  return db
    .selectFrom('engagement_events')
    .select(['outbound_message_id', 'type', 'machine', 'data_json', 'occurred_at'])
    .where('org_id', '=', orgId)
    .where('record_id', '=', recordId)
    .where('type', 'in', ['open', 'click', 'bounce'])
    .orderBy('occurred_at')
    .limit(2000)
    .execute();
}
