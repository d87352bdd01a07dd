import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

/** An email a person wrote, already rendered: sent as written (sanitised again at delivery), untracked. */
export interface FinalEmail {
  orgId: string;
  id: string;
  recordId: string | null;
  senderId: string;
  to: string;
  subject: string;
  html: string;
  messageId: string;
  now: number;
}

/** Queues it in the outbox (no connection, no step, no schedule); delivery sends it over SMTP like any other. */
export async function queueFinalEmail(
  db: Kysely<Database>,
  input: FinalEmail & { idempotencyKey: string },
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
      idempotency_key: input.idempotencyKey,
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
}
