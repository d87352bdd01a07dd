import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

/** In-Reply-To and References of a reply written from the conversation view, kept beside its outbox row. */
export async function insertThreadHeaders(
  db: Kysely<Database>,
  input: { orgId: string; outboundMessageId: string; inReplyTo: string; references: string },
): Promise<void> {
  await db
    .insertInto('outbound_thread_headers')
    .values({
      org_id: input.orgId,
      outbound_message_id: input.outboundMessageId,
      in_reply_to: input.inReplyTo,
      references_header: input.references,
    })
    .execute();
}

export async function findThreadHeaders(
  db: Kysely<Database>,
  orgId: string,
  outboundIds: string[],
): Promise<Map<string, { inReplyTo: string; references: string }>> {
  const out = new Map<string, { inReplyTo: string; references: string }>();
  if (outboundIds.length === 0) return out;
  const rows = await db
    .selectFrom('outbound_thread_headers')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('outbound_message_id', 'in', outboundIds)
    .execute();
  for (const row of rows) {
    out.set(row.outbound_message_id, { inReplyTo: row.in_reply_to, references: row.references_header });
  }
  return out;
}

/** Queues a reply written from the conversation view: final content, no step, no tracking, with its headers. */
export async function queueThreadReply(
  db: Kysely<Database>,
  input: {
    orgId: string;
    id: string;
    recordId: string;
    senderId: string;
    to: string;
    subject: string;
    html: string;
    messageId: string;
    inReplyTo: string;
    references: string;
    now: number;
  },
): Promise<void> {
  await db
    .insertInto('outbound_messages')
    .values({
      org_id: input.orgId,
      id: input.id,
      connection_id: null,
      step_instance_id: null,
      record_id: input.recordId,
      sender_user_id: input.senderId,
      to_address: input.to,
      subject: input.subject,
      body_html: input.html,
      body_text: '',
      content_kind: 'final',
      message_id: input.messageId,
      idempotency_key: `reply:${input.id}`,
      status: 'queued',
      hold_reason: null,
      template_id: null,
      variant: null,
      tracking: 0,
      not_before: input.now,
      attempts: 0,
      last_error: null,
      schedule_id: null,
      lease_owner: null,
      lease_until: null,
      sent_at: null,
      created_at: input.now,
      updated_at: input.now,
      raw_mime: null,
    })
    .execute();
  await insertThreadHeaders(db, {
    orgId: input.orgId,
    outboundMessageId: input.id,
    inReplyTo: input.inReplyTo,
    references: input.references,
  });
}
