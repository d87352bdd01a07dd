import type { ColumnType, Generated } from 'kysely';

/**
 * Row types of every table, as Kysely sees them. One schema serves SQLite and PostgreSQL, so:
 * - times are epoch milliseconds (`bigint` in PostgreSQL, parsed back to number; `integer` in SQLite);
 * - booleans are 0/1 integers (better-sqlite3 cannot bind JS booleans);
 * - structured values are JSON text (`*_json` columns), parsed by the repositories.
 * Every row carries `org_id`; primary keys and hot indexes lead with it (see docs/architecture.md).
 */

export type Flag = 0 | 1;
export type RecordType = 'lead' | 'contact' | 'account' | 'opportunity';
export type RecordStatus = 'open' | 'qualified' | 'disqualified' | 'won' | 'lost';
export type Role = 'seller' | 'sequence_manager' | 'sales_manager' | 'admin';
export type SequenceStatus = 'inactive' | 'active' | 'revision';
export type ConnectionStatus = 'active' | 'paused' | 'completed' | 'disconnected' | 'failed';
export type StepStatus =
  | 'upcoming'
  | 'due'
  | 'waiting'
  | 'held'
  | 'completed'
  | 'skipped'
  | 'canceled'
  | 'failed';
export type MessageStatus = 'queued' | 'held' | 'sending' | 'sent' | 'failed' | 'canceled' | 'bounced';
export type EngagementType = 'open' | 'click' | 'reply' | 'auto_reply' | 'bounce' | 'unsubscribe';
export type TaskStatus = 'pending' | 'done' | 'dead';

export interface OrgsTable {
  id: string;
  name: string;
  /** OrgSettings JSON: feature roles, time zone, holidays, mail limits. */
  settings_json: string;
  created_at: number;
}

export interface BusinessUnitsTable {
  org_id: string;
  id: string;
  name: string;
  parent_id: string | null;
  created_at: number;
}

export interface UsersTable {
  org_id: string;
  id: string;
  /** Lower-cased; unique across the deployment because sign-in is by email. */
  email: string;
  name: string;
  password_hash: string;
  business_unit_id: string;
  locale: string;
  time_zone: string | null;
  /** WorkingHours JSON: { days: [1..7], from: "09:00", to: "17:00" } plus days off. */
  working_hours_json: string;
  /** Personal preferences JSON, e.g. what happens after completing a step. */
  preferences_json: string;
  active: Flag;
  created_at: number;
}

export interface RoleAssignmentsTable {
  org_id: string;
  user_id: string;
  role: Role;
}

export interface SessionsTable {
  /** SHA-256 of the cookie value; the raw value is never stored. */
  id: string;
  org_id: string;
  user_id: string;
  csrf_token: string;
  expires_at: number;
  created_at: number;
}

export interface ApiTokensTable {
  org_id: string;
  id: string;
  user_id: string;
  name: string;
  token_hash: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
  /** JSON array of TokenScope ('read' | 'write' | 'admin'); rows from before scopes hold all three. */
  scopes_json: ColumnType<string, string | undefined, string>;
  /** null: never expires. */
  expires_at: ColumnType<number | null, number | null | undefined, number | null>;
}

/** Failed current-password checks per user (password change), counted in a fixed window. */
export interface PasswordAttemptsTable {
  org_id: string;
  user_id: string;
  failures: number;
  window_start: number;
}

/** Hits of one rate-limited bucket + client in the current window (all processes add up here). */
export interface RateLimitHitsTable {
  key: string;
  hits: number;
  window_start: number;
}

/** Sign-in attempts per account + client address (SHA-256 key), shared by every process. */
export interface LoginAttemptsTable {
  key: string;
  attempts: number;
  window_start: number;
}

export interface RecordFieldsTable {
  org_id: string;
  id: string;
  record_type: RecordType;
  /** Machine name used in conditions and templates, e.g. `leadStage`. */
  name: string;
  label: string;
  type: 'text' | 'number' | 'date' | 'boolean' | 'option_set' | 'two_options';
  /** For option sets and two-options: [{ value, label }]. */
  options_json: string | null;
  created_at: number;
}

export interface RecordsTable {
  org_id: string;
  id: string;
  type: RecordType;
  name: string;
  first_name: string | null;
  last_name: string | null;
  company: string | null;
  job_title: string | null;
  email: string | null;
  phone_business: string | null;
  phone_mobile: string | null;
  time_zone: string | null;
  status: RecordStatus;
  stage: string | null;
  owner_id: string;
  business_unit_id: string;
  do_not_email: Flag;
  do_not_call: Flag;
  /** Custom field values keyed by field name. */
  custom_json: string;
  created_at: number;
  updated_at: number;
}

export interface RecordFollowsTable {
  org_id: string;
  user_id: string;
  record_id: string;
  created_at: number;
}

export interface EmailTemplatesTable {
  org_id: string;
  id: string;
  name: string;
  language: string;
  subject: string;
  body_html: string;
  body_text: string | null;
  record_type: RecordType | null;
  owner_id: string | null;
  builtin: Flag;
  created_at: number;
  updated_at: number;
}

export interface SequencesTable {
  org_id: string;
  id: string;
  name: string;
  description: string;
  record_type: RecordType;
  owner_id: string;
  business_unit_id: string;
  status: SequenceStatus;
  /** Working copy being edited (inactive or revision); SequenceDefinition JSON. */
  draft_json: string;
  /** The version new connections get; null until first activation. */
  active_version_id: string | null;
  /** Saved by a user as a template for new sequences. */
  is_template: Flag;
  created_at: number;
  updated_at: number;
}

export interface SequenceVersionsTable {
  org_id: string;
  id: string;
  sequence_id: string;
  version: number;
  /** Immutable SequenceDefinition JSON. */
  definition_json: string;
  change_note: string | null;
  created_by: string;
  created_at: number;
}

export interface SequenceSharesTable {
  org_id: string;
  sequence_id: string;
  /** A user id or a business unit id (team). */
  principal_id: string;
  principal_type: 'user' | 'business_unit';
  created_at: number;
}

export interface TagsTable {
  org_id: string;
  id: string;
  name: string;
  parent_id: string | null;
  created_at: number;
}

export interface SequenceTagsTable {
  org_id: string;
  sequence_id: string;
  tag_id: string;
}

export interface SegmentsTable {
  org_id: string;
  id: string;
  name: string;
  record_type: RecordType;
  /** FieldConditionGroup JSON. */
  rule_json: string;
  priority: number;
  sequence_id: string;
  enabled: Flag;
  owner_id: string;
  created_at: number;
  updated_at: number;
}

export interface ConnectionsTable {
  org_id: string;
  id: string;
  record_id: string;
  sequence_id: string;
  version_id: string;
  status: ConnectionStatus;
  /** ConnectionState JSON owned by domain `advance`. */
  state_json: string;
  current_node_id: string | null;
  /** Why it ended: e.g. `record_qualified`, `replied`, `manual`, `advanced`, `bounced`. */
  reason: string | null;
  owner_id: string;
  connected_by: string;
  connected_at: number;
  ended_at: number | null;
  updated_at: number;
}

export interface StepInstancesTable {
  org_id: string;
  id: string;
  connection_id: string;
  record_id: string;
  sequence_id: string;
  node_id: string;
  kind: string;
  name: string;
  status: StepStatus;
  owner_id: string;
  due_at: number | null;
  priority: number;
  outcome: string | null;
  note: string | null;
  variant: string | null;
  completed_at: number | null;
  completed_by: string | null;
  read_at: number | null;
  created_at: number;
  updated_at: number;
}

/** The engine's durable queue: every wake-up (wait ends, step due, time limit, event to apply) is a row. */
export interface ScheduledTasksTable {
  org_id: string;
  id: string;
  connection_id: string;
  kind: string;
  /** Task payload JSON (e.g. the event to apply). */
  payload_json: string;
  /** Unique: repeating the same scheduling decision cannot create a second row. */
  idempotency_key: string;
  due_at: number;
  status: TaskStatus;
  attempts: number;
  last_error: string | null;
  lease_owner: string | null;
  lease_until: number | null;
  created_at: number;
  updated_at: number;
}

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

export interface SchedulesTable {
  org_id: string;
  id: string;
  name: string;
  /** 1 for the organisation's default schedule (at most one: partial unique index). */
  is_default: Flag;
  zone_mode: 'recipient' | 'seller' | 'fixed';
  /** The zone of a `fixed` schedule. */
  zone: string | null;
  /** Interval[] JSON: [{ day: 1..7, from: "09:00", to: "17:00" }]. */
  intervals_json: string;
  /** HolidayCalendar JSON: { dates: ["2026-12-24"], country: "US" | null, region: "NY" | null }. */
  holidays_json: string;
  created_at: number;
  updated_at: number;
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

export interface TimelineEventsTable {
  org_id: string;
  id: string;
  record_id: string;
  connection_id: string | null;
  kind: string;
  actor_id: string | null;
  summary: string;
  data_json: string;
  occurred_at: number;
}

export interface AuditLogTable {
  org_id: string;
  id: string;
  actor_id: string | null;
  action: string;
  resource_type: string;
  resource_id: string | null;
  before_json: string | null;
  after_json: string | null;
  at: number;
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

/** The decided variant of an A/B-tested email step (migration 0015). */
export interface AbWinnersTable {
  org_id: string;
  version_id: string;
  node_id: string;
  sequence_id: string;
  variant: string;
  metric: string;
  /** null: decided automatically by the end rule; else the user who chose it. */
  decided_by: string | null;
  /** The per-variant figures and the test result at the decision. */
  data_json: string;
  decided_at: number;
}

export interface WebhooksTable {
  org_id: string;
  id: string;
  url: string;
  secret: string;
  events_json: string;
  enabled: Flag;
  created_at: number;
}

export interface WebhookDeliveriesTable {
  org_id: string;
  id: string;
  webhook_id: string;
  event: string;
  payload_json: string;
  idempotency_key: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  next_attempt_at: number;
  response_status: number | null;
  last_error: string | null;
  lease_owner: string | null;
  lease_until: number | null;
  created_at: number;
  updated_at: number;
}

/** Long-running background work started by a request (bulk connect of 100,000 records, imports). */
export interface BulkJobsTable {
  org_id: string;
  id: string;
  kind: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  params_json: string;
  total: number;
  processed: number;
  succeeded: number;
  failed: number;
  result_json: string;
  created_by: string;
  lease_owner: string | null;
  lease_until: number | null;
  created_at: number;
  updated_at: number;
}

/** An uploaded CSV file, kept for its import job (migration 0012). */
export interface ImportFilesTable {
  org_id: string;
  job_id: string;
  /** sha256 of the uploader, the record type and the file's bytes: the same upload twice is the same job. */
  file_hash: string;
  record_type: RecordType;
  csv: string;
  created_at: number;
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
export type InboundMatchedBy = 'verp' | 'message_id' | 'references' | 'stepwise_id' | 'recipient';

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

export type NotificationKind = 'reply' | 'email_held' | 'bounce' | 'step_assigned' | 'step_overdue';

export interface NotificationsTable {
  org_id: string;
  id: string;
  user_id: string;
  kind: NotificationKind;
  record_id: string | null;
  summary: string;
  data_json: Generated<string>;
  created_at: number;
  read_at: number | null;
  /** Unique per organisation: the same fact raised twice (or by two workers) is one notification (0026). */
  dedupe_key: Generated<string | null>;
  /** The digest email that carried it (0026); null while not digested. */
  digest_id: Generated<string | null>;
}

export type DigestFrequency = 'off' | 'hourly' | 'daily';

/** Which notification kinds also arrive by email, and how often (migration 0026). */
export interface NotificationSettingsTable {
  org_id: string;
  user_id: string;
  /** JSON array of NotificationKind. */
  kinds_json: string;
  frequency: DigestFrequency;
  /** Daily digests: the hour (0–23) in the user's time zone. */
  daily_hour: number;
  /** When digests were last turned on: older notifications are not mailed. */
  enabled_at: number | null;
  updated_at: number;
}

/** One digest email per user and period (unique), recorded with the email it queued (migration 0026). */
export interface NotificationDigestsTable {
  org_id: string;
  id: string;
  user_id: string;
  period_key: string;
  outbound_message_id: string;
  notifications: number;
  created_at: number;
}

/** An organisation's OpenID Connect provider for single sign-on (migration 0019). */
export interface SsoProvidersTable {
  org_id: string;
  id: string;
  /** Shown on the sign-in page: "Sign in with <name>". */
  name: string;
  issuer: string;
  client_id: string;
  /** AES-256-GCM (src/mail/secrets.ts); never returned by the API. */
  client_secret_enc: string;
  /** JSON string[]: lower-cased email domains that may sign in. */
  allowed_domains_json: string;
  default_business_unit_id: string;
  default_role: Role;
  /** The ID-token claim holding group names, or null when groups are not mapped. */
  groups_claim: string | null;
  /** JSON { group, role, businessUnitId }[]: the first matching group decides a new user's unit and role. */
  group_mappings_json: string;
  /** 1 = password sign-in is refused for this organisation's users except admins (break-glass). */
  enforce: Flag;
  created_at: number;
  updated_at: number;
}

/** A seller's personal signature, sanitised HTML (migration 0021). */
export interface UserSignaturesTable {
  org_id: string;
  user_id: string;
  html: string;
  /** 1 = also added to automated emails sent from this seller's mailbox (the default). */
  automated: Flag;
  updated_at: number;
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

/** A tag on an email template (migration 0022). */
export interface EmailTemplateTagsTable {
  org_id: string;
  template_id: string;
  tag: string;
}

export interface Database {
  orgs: OrgsTable;
  business_units: BusinessUnitsTable;
  users: UsersTable;
  role_assignments: RoleAssignmentsTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  password_attempts: PasswordAttemptsTable;
  login_attempts: LoginAttemptsTable;
  rate_limit_hits: RateLimitHitsTable;
  record_fields: RecordFieldsTable;
  records: RecordsTable;
  record_follows: RecordFollowsTable;
  email_templates: EmailTemplatesTable;
  sequences: SequencesTable;
  sequence_versions: SequenceVersionsTable;
  sequence_shares: SequenceSharesTable;
  tags: TagsTable;
  sequence_tags: SequenceTagsTable;
  segments: SegmentsTable;
  connections: ConnectionsTable;
  step_instances: StepInstancesTable;
  scheduled_tasks: ScheduledTasksTable;
  outbound_messages: OutboundMessagesTable;
  schedules: SchedulesTable;
  engagement_events: EngagementEventsTable;
  timeline_events: TimelineEventsTable;
  audit_log: AuditLogTable;
  mailboxes: MailboxesTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  bulk_jobs: BulkJobsTable;
  inbound_credentials: InboundCredentialsTable;
  import_files: ImportFilesTable;
  imap_sync: ImapSyncTable;
  ab_winners: AbWinnersTable;
  suppressions: SuppressionsTable;
  notifications: NotificationsTable;
  sso_providers: SsoProvidersTable;
  user_signatures: UserSignaturesTable;
  inbound_replies: InboundRepliesTable;
  outbound_thread_headers: OutboundThreadHeadersTable;
  email_template_tags: EmailTemplateTagsTable;
  inbound_messages: InboundMessagesTable;
  mailbox_oauth: MailboxOauthTable;
  engine_claims: EngineClaimsTable;
  notification_settings: NotificationSettingsTable;
  notification_digests: NotificationDigestsTable;
  oauth_apps: OauthAppsTable;
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

/** An organisation's OAuth app registration for mailboxes, one per provider kind (migration 0027, issue 19). */
export interface OauthAppsTable {
  org_id: string;
  preset: 'microsoft' | 'google' | 'generic';
  /** The name on the sellers' "Connect …" button. */
  label: string;
  client_id: string;
  client_secret_enc: string;
  /** Microsoft only: the Entra ID tenant (id or domain, or `organizations`). */
  tenant: string | null;
  /** Generic only: the issuer (endpoints discovered), scopes and mail servers. */
  issuer: string | null;
  scopes: string | null;
  smtp_host: string | null;
  smtp_port: number | null;
  smtp_secure: number | null;
  imap_host: string | null;
  imap_port: number | null;
  imap_secure: number | null;
  /** 1: every user may connect with it; 0: admins only. */
  allowed_for_sellers: number;
  created_at: number;
  updated_at: number;
}

/** One batch a worker claimed inside its batch transaction (migration 0025, issue 17); deleted by its commit. */
export interface EngineClaimsTable {
  id: string;
  owner: string;
  /** JSON `[[org_id, task_id], …]` of the batch's tasks. */
  task_keys: string;
  created_at: number;
  /** Set when a batch that never committed had its attempt counted. */
  folded_at: number | null;
}
