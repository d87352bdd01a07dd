import type { Generated } from 'kysely';
import type { EngagementType, Flag, MessageStatus } from '../schema.ts';

/** Row types (see ../schema.ts): outbound and inbound email, mailboxes and their credentials, engagement, suppressions. */

export interface OutboundMessagesTable {
  org_id: string;
  id: string;
  connection_id: string | null;
  step_instance_id: string | null;
  record_id: string | null;
  sender_user_id: string;
  to_address: string;
  subject: string;
  body_html: string;
  body_text: string;
  /** Deterministic RFC 5322 Message-ID. */
  message_id: string;
  /** Unique: `connection id + node id + attempt`, so a repeated decision cannot queue a second email. */
  idempotency_key: string;
  status: MessageStatus;
  hold_reason: string | null;
  template_id: string | null;
  variant: string | null;
  tracking: Flag;
  not_before: number;
  attempts: number;
  last_error: string | null;
  /**
   * The schedule an automated email may go in: a schedule id, `org-default` (the organisation's default at send
   * time, if it has one), or null (no schedule: manual and test emails).
   */
  schedule_id: string | null;
  lease_owner: string | null;
  lease_until: number | null;
  sent_at: number | null;
  created_at: number;
  updated_at: number;
  /** `template`: subject/body are template source (empty: the template's), rendered once; `final`: sent as written. */
  content_kind: Generated<OutboundContentKind>;
  /** The exact message of the first attempt; later attempts send these bytes again. */
  raw_mime: string | null;
  /** The SMTP server's final answer for a sent email, e.g. `250 2.0.0 Ok: queued as …` (migration 0026). */
  smtp_response: Generated<string | null>;
}

export type OutboundContentKind = 'template' | 'final';

/** Secrets for the inbound-mail endpoint: one organisation, optionally one mailbox (SHA-256 of the secret). */
export interface InboundCredentialsTable {
  org_id: string;
  id: string;
  mailbox_id: string | null;
  label: string;
  secret_hash: string;
  created_by: string | null;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface EngagementEventsTable {
  org_id: string;
  id: string;
  outbound_message_id: string | null;
  connection_id: string | null;
  record_id: string | null;
  type: EngagementType;
  /** Unique: the same open/reply/bounce reported twice is stored once. */
  dedupe_key: string;
  /** 1 when an open looks machine-made (privacy proxy, scanner). */
  machine: Flag;
  data_json: string;
  occurred_at: number;
  created_at: number;
}

export interface MailboxesTable {
  org_id: string;
  id: string;
  /** null: the org relay, used with each seller's own From. */
  user_id: string | null;
  kind: 'smtp' | 'catch_all';
  from_name: string | null;
  from_address: string | null;
  smtp_host: string | null;
  smtp_port: number | null;
  smtp_secure: Flag;
  smtp_user: string | null;
  /** AES-256-GCM ciphertext of the SMTP password (key from STEPWISE_SECRET_KEY). */
  smtp_secret_enc: string | null;
  daily_limit: number | null;
  hourly_limit: number | null;
  min_spacing_seconds: number | null;
  /** IMAP reply polling (migration 0007); null host = not polled. */
  imap_host: string | null;
  imap_port: number | null;
  imap_secure: Flag;
  imap_user: string | null;
  imap_secret_enc: string | null;
  imap_last_uid: number | null;
  imap_last_error: string | null;
  created_at: number;
  updated_at: number;
}

/** IMAP polling state per mailbox (migration 0015). */
export interface ImapSyncTable {
  org_id: string;
  mailbox_id: string;
  /** UIDVALIDITY of INBOX when `mailboxes.imap_last_uid` was saved (as text: it is a 32-bit unsigned). */
  uid_validity: string | null;
  /** When the last poll succeeded. */
  synced_at: number | null;
  lease_owner: string | null;
  lease_until: number | null;
}

/** Why an address is on the organisation's suppression list. */
export type SuppressionReason = 'hard_bounce' | 'complaint' | 'unsubscribe' | 'manual';

export interface SuppressionsTable {
  org_id: string;
  /** Lower-cased, trimmed. */
  address: string;
  reason: SuppressionReason;
  /** What the mail server said (status, reason, diagnostic) or the admin's note. */
  detail: string | null;
  outbound_message_id: string | null;
  created_by: string | null;
  created_at: number;
}

/** How an inbound message came in. */
export type InboundVia = 'smtp' | 'http' | 'imap';

/** Which clue matched an inbound message to the email we sent (src/mail/inbound.ts, in this order). */
export type InboundMatchedBy = 'verp' | 'message_id' | 'references' | 'stepwise_id' | 'recipient' | 'sender';

export interface InboundMessagesTable {
  org_id: string;
  id: string;
  /** The message's own Message-ID, else a hash of its bytes: one row per message however often it arrives. */
  dedupe_key: string;
  via: InboundVia;
  received_at: number;
  from_address: string | null;
  subject: string | null;
  message_id: string | null;
  /** The classifier's class (bounce, delay, delivered, feedback, auto_reply, challenge, reply, other, unreadable). */
  class: string;
  detail: string | null;
  /** What intake did (reply, auto_reply, bounce, delay, complaint, ignored, unmatched). */
  outcome: string;
  reason: string | null;
  outbound_message_id: string | null;
  matched_by: InboundMatchedBy | null;
  size_bytes: number;
  raw_base64: string;
}

/** A reply in full, as received (HTML is sanitised when shown), threaded by Message-ID (migration 0021). */
export interface InboundRepliesTable {
  org_id: string;
  id: string;
  /** The email of ours it answers. */
  outbound_message_id: string;
  record_id: string | null;
  /** Its own Message-ID (or a content hash): unique, so a reply delivered twice is stored once. */
  message_id: string;
  in_reply_to: string | null;
  from_address: string | null;
  subject: string;
  html: string;
  text: string;
  received_at: number;
}

/** A reply written from the conversation view: the thread headers of its outbound message (migration 0021). */
export interface OutboundThreadHeadersTable {
  org_id: string;
  outbound_message_id: string;
  /** The Message-ID it answers. */
  in_reply_to: string;
  /** The thread's Message-IDs, space-separated, oldest first. */
  references_header: string;
}

/** The OAuth side of a mailbox that authenticates with XOAUTH2 (migration 0024, issue 19). */
export interface MailboxOauthTable {
  org_id: string;
  mailbox_id: string;
  preset: 'microsoft' | 'google' | 'generic';
  issuer: string;
  /** null: discovered from the issuer (generic preset). */
  authorization_endpoint: string | null;
  token_endpoint: string | null;
  /** Space-separated. */
  scopes: string;
  client_id: string;
  client_secret_enc: string;
  refresh_token_enc: string | null;
  access_token_enc: string | null;
  access_expires_at: number | null;
  status: 'pending' | 'connected' | 'reconnect_needed';
  status_reason: string | null;
  created_at: number;
  updated_at: number;
  /** SHA-256 of the `state` of the connection started last; cleared when its callback claims it (0027). */
  pending_state_hash: string | null;
}
