import type { ColumnType, Generated } from 'kysely';
import type { Flag, Role } from '../schema.ts';

/** Row types (see ../schema.ts): organisations, business units, users and their sign-in, roles, audit log, notifications. */

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
