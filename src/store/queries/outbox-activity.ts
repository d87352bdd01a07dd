import type { Kysely } from 'kysely';
import type { Database, EngagementType, MessageStatus } from '../schema.ts';

/** One email of the outbox with what happened to it: the bytes as sent, its events and the replies to it. */
export interface OutboxActivity {
  id: string;
  status: MessageStatus;
  senderUserId: string;
  to: string;
  subject: string;
  bodyHtml: string;
  bodyText: string;
  contentKind: 'template' | 'final';
  rawMime: string | null;
  holdReason: string | null;
  lastError: string | null;
  /** The server's final answer when it was sent (`250 …`, migration 0026). */
  smtpResponse: string | null;
  attempts: number;
  sentAt: number | null;
  createdAt: number;
  events: { id: string; type: EngagementType; machine: boolean; occurredAt: number; data: string }[];
  replies: { fromAddress: string | null; subject: string; text: string; receivedAt: number }[];
}

/** The email `id` of the organisation with its engagement events and inbound replies (oldest first); null when absent. */
export async function findOutboxActivity(
  db: Kysely<Database>,
  orgId: string,
  id: string,
): Promise<OutboxActivity | null> {
  const row = await db
    .selectFrom('outbound_messages')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) return null;
  const events = await db
    .selectFrom('engagement_events')
    .select(['id', 'type', 'machine', 'occurred_at', 'data_json'])
    .where('org_id', '=', orgId)
    .where('outbound_message_id', '=', id)
    .orderBy('occurred_at')
    .orderBy('id')
    .execute();
  const replies = await db
    .selectFrom('inbound_replies')
    .select(['from_address', 'subject', 'text', 'received_at'])
    .where('org_id', '=', orgId)
    .where('outbound_message_id', '=', id)
    .orderBy('received_at')
    .orderBy('id')
    .execute();
  return {
    id: row.id,
    status: row.status,
    senderUserId: row.sender_user_id,
    to: row.to_address,
    subject: row.subject,
    bodyHtml: row.body_html,
    bodyText: row.body_text,
    contentKind: row.content_kind,
    rawMime: row.raw_mime,
    holdReason: row.hold_reason,
    lastError: row.last_error,
    smtpResponse: row.smtp_response,
    attempts: row.attempts,
    sentAt: row.sent_at,
    createdAt: row.created_at,
    events: events.map((event) => ({
      id: event.id,
      type: event.type,
      machine: event.machine === 1,
      occurredAt: event.occurred_at,
      data: event.data_json,
    })),
    replies: replies.map((reply) => ({
      fromAddress: reply.from_address,
      subject: reply.subject,
      text: reply.text,
      receivedAt: reply.received_at,
    })),
  };
}
