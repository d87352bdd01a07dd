import type { Insertable, Selectable } from 'kysely';
import type { OutboundMessagesTable } from '../../src/store/schema.ts';
import { ORG_ID, USERS } from './world.ts';

/** A whole outbox row as stored (every column): a queued final-content email from the east seller. */
export function outboundMessageRecord(
  id: string,
  now: number,
  overrides: Partial<Selectable<OutboundMessagesTable>> = {},
): Selectable<OutboundMessagesTable> {
  return {
    org_id: ORG_ID,
    id,
    connection_id: null,
    step_instance_id: null,
    record_id: null,
    sender_user_id: USERS.eastSeller.id,
    to_address: 'lead@example.com',
    subject: 'Hello',
    body_html: '<p>Hi</p>',
    body_text: 'Hi',
    message_id: `<${id}@stepwise.test>`,
    idempotency_key: id,
    status: 'queued',
    hold_reason: null,
    template_id: null,
    variant: null,
    tracking: 0,
    not_before: now,
    attempts: 0,
    last_error: null,
    schedule_id: null,
    lease_owner: null,
    lease_until: null,
    sent_at: null,
    created_at: now,
    updated_at: now,
    content_kind: 'final',
    raw_mime: null,
    smtp_response: null,
    ...overrides,
  };
}

/** An outbox row for store tests (see `outboundMessageRecord`); override what matters. */
export function outboundMessageRow(
  id: string,
  now: number,
  overrides: Partial<Insertable<OutboundMessagesTable>> = {},
): Insertable<OutboundMessagesTable> {
  return { ...outboundMessageRecord(id, now), ...overrides };
}
