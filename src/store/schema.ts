import type {
  ApiTokensTable,
  AuditLogTable,
  BusinessUnitsTable,
  LoginAttemptsTable,
  NotificationDigestsTable,
  NotificationSettingsTable,
  NotificationsTable,
  OauthAppsTable,
  OrgsTable,
  PasswordAttemptsTable,
  RateLimitHitsTable,
  RoleAssignmentsTable,
  SessionsTable,
  SsoProvidersTable,
  UserSignaturesTable,
  UsersTable,
} from './schema/identity.ts';
import type {
  EngagementEventsTable,
  ImapSyncTable,
  InboundCredentialsTable,
  InboundMessagesTable,
  InboundRepliesTable,
  MailboxesTable,
  MailboxOauthTable,
  OutboundMessagesTable,
  OutboundThreadHeadersTable,
  SuppressionsTable,
} from './schema/mail.ts';
import type {
  BulkJobsTable,
  ImportFilesTable,
  RecordFieldsTable,
  RecordFollowsTable,
  RecordsTable,
  SegmentsTable,
  TagsTable,
  WebhookDeliveriesTable,
  WebhooksTable,
} from './schema/records.ts';
import type {
  AbWinnersTable,
  ConnectionsTable,
  EmailTemplatesTable,
  EmailTemplateTagsTable,
  EngineClaimsTable,
  ScheduledTasksTable,
  SchedulesTable,
  SequenceSharesTable,
  SequencesTable,
  SequenceTagsTable,
  SequenceVersionsTable,
  StepInstancesTable,
  TimelineEventsTable,
} from './schema/sequences.ts';

export type * from './schema/identity.ts';
export type * from './schema/mail.ts';
export type * from './schema/records.ts';
export type * from './schema/sequences.ts';

/**
 * Row types of every table, as Kysely sees them (the tables by family in ./schema/). One schema serves SQLite
 * and PostgreSQL, so:
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
