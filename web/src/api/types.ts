import type * as Api from '../../../src/api/contract.ts';

/**
 * Shapes the UI reads from the public API (camelCase JSON). Types written `Api.X` come from the server's zod
 * response schemas (src/api/contract.ts, type-only: nothing of the server is bundled), so a server change that
 * breaks a screen fails `tsc`; the rest are still written by hand and are being moved over. Fields the server
 * may not send yet are optional so a screen degrades instead of breaking; docs/ui.md lists which endpoint each
 * screen uses.
 */
export const RECORD_TYPES = ['lead', 'contact', 'account', 'opportunity'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];
export const SEQUENCE_STATUSES = ['inactive', 'active', 'revision'] as const;
export type SequenceStatus = (typeof SEQUENCE_STATUSES)[number];
export const CALL_OUTCOMES = ['connected', 'left_voicemail', 'no_answer', 'busy', 'wrong_number'] as const;
export const STEP_KINDS = [
  'email',
  'automated_email',
  'phone_call',
  'task',
  'text_message',
  'wait',
  'condition_email',
  'condition_call',
  'condition_field',
  'condition_stage',
  'update_field',
  'advance_sequence',
  'linkedin_research',
  'linkedin_introduction',
  'linkedin_connect',
  'linkedin_inmail',
] as const;
export const ACTIVITY_KINDS = [
  'email',
  'phone_call',
  'task',
  'text_message',
  'linkedin_research',
  'linkedin_introduction',
  'linkedin_connect',
  'linkedin_inmail',
] as const;

export interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}

export interface TagRef {
  id: string;
  name: string;
  parentId?: string | null;
}

/** GET /api/tags returns the tree; the screens use it flat. */
export interface ApiTag extends TagRef {
  children?: ApiTag[];
  sequenceCount?: number;
}
export function flattenTags(items: ApiTag[], parentId: string | null = null): TagRef[] {
  return items.flatMap((tag) => [
    { id: tag.id, name: tag.name, parentId: tag.parentId ?? parentId },
    ...flattenTags(tag.children ?? [], tag.id),
  ]);
}

export interface Sequence {
  id: string;
  name: string;
  description: string;
  recordType: RecordType;
  status: SequenceStatus;
  ownerId: string;
  ownerName?: string;
  businessUnitId?: string;
  tags?: TagRef[];
  tagIds?: string[];
  connectedCount?: number;
  activeVersionId?: string | null;
  version?: number | null;
  stepCount?: number;
  updatedAt?: number;
  /** What the signed-in user may do; absent: derived from role and ownership. */
  permissions?: Partial<Record<'edit' | 'activate' | 'delete' | 'connect' | 'copy', boolean>>;
}

export interface SequenceTemplate {
  id: string;
  name: string;
  description?: string;
  recordType: RecordType;
  stepCount?: number;
  language?: string;
}

export type SequenceVersion = Api.SequenceVersion;

export type ValidationProblem = Api.ValidationProblem;

export interface Connection {
  id: string;
  sequenceId: string;
  sequenceName?: string;
  versionId?: string;
  version?: number;
  status: string;
  reason?: string | null;
  connectedAt: number;
  ownerId?: string;
  ownerName?: string;
  currentStepName?: string | null;
  currentNodeId?: string | null;
}

export type ConnectedRecord = Api.ConnectedRecord;

export interface CrmRecord {
  id: string;
  type: RecordType;
  name: string;
  firstName?: string | null;
  lastName?: string | null;
  company?: string | null;
  jobTitle?: string | null;
  email?: string | null;
  phoneBusiness?: string | null;
  phoneMobile?: string | null;
  timeZone?: string | null;
  status: string;
  stage?: string | null;
  ownerId: string;
  ownerName?: string;
  doNotEmail?: boolean;
  doNotCall?: boolean;
  custom?: Record<string, unknown>;
  followed?: boolean;
  updatedAt?: number;
  connection?: Connection | null;
  /** The live connection (GET /api/records). */
  sequence?: { id: string; name: string | null; connectionId: string; status: string } | null;
  currentStep?: { id: string; name: string; kind: string; status: string; dueAt: number | null } | null;
}

export function recordSequenceName(record: CrmRecord): string | null {
  return record.sequence?.name ?? record.connection?.sequenceName ?? null;
}
export function recordStepName(record: CrmRecord): string | null {
  return record.currentStep?.name ?? record.connection?.currentStepName ?? null;
}
export function isConnected(record: CrmRecord): boolean {
  return !!(record.sequence ?? record.connection);
}

export interface StepInstance {
  id: string;
  nodeId?: string;
  kind: string;
  name: string;
  status: string;
  dueAt: number | null;
  completedAt?: number | null;
  completedByName?: string | null;
  outcome?: string | null;
  note?: string | null;
  ownerId?: string;
  ownerName?: string;
  actions?: string[];
}

/** GET /api/records/:id/up-next. */
export type UpNext = Api.UpNext;

/** GET /api/worklist item. */
export interface ApiWorkItem {
  step: {
    id: string;
    connectionId: string;
    nodeId: string;
    kind: string;
    name: string;
    description: string | null;
    dueAt: number | null;
    overdue: boolean;
    status: string;
    priority: number;
    read: boolean;
  };
  record: {
    id: string;
    name: string;
    type: RecordType;
    company: string | null;
    email: string | null;
    phones: { kind: 'business' | 'mobile'; number: string }[];
    doNotCall: boolean;
  };
  sequence: { id: string; name: string };
  followed?: boolean;
}

/** A work-list row as the screens use it (flattened). */
export function toWorkItem(item: ApiWorkItem): WorkItem {
  return {
    id: item.step.id,
    kind: item.step.kind,
    name: item.step.name,
    status: item.step.status,
    dueAt: item.step.dueAt,
    priority: item.step.priority,
    nodeId: item.step.nodeId,
    unread: !item.step.read,
    overdue: item.step.overdue,
    followed: item.followed,
    recordId: item.record.id,
    recordName: item.record.name,
    recordType: item.record.type,
    company: item.record.company,
    phoneBusiness: item.record.phones.find((phone) => phone.kind === 'business')?.number ?? null,
    phoneMobile: item.record.phones.find((phone) => phone.kind === 'mobile')?.number ?? null,
    doNotCall: item.record.doNotCall,
    sequenceId: item.sequence.id,
    sequenceName: item.sequence.name,
  };
}

export interface WorkItem {
  id: string;
  overdue?: boolean;
  company?: string | null;
  kind: string;
  name: string;
  status: string;
  dueAt: number | null;
  priority?: number;
  recordId: string;
  recordName: string;
  recordType: RecordType;
  sequenceId: string;
  sequenceName: string;
  nodeId?: string;
  readAt?: number | null;
  unread?: boolean;
  followed?: boolean;
  bucket?: 'overdue' | 'today' | 'later';
  phoneBusiness?: string | null;
  phoneMobile?: string | null;
  doNotCall?: boolean;
}

export type TimelineEvent = Api.TimelineEvent;

export interface ConnectResult {
  recordId: string;
  status: 'connected' | 'refused';
  connectionId?: string;
  reason?: string;
}

export interface ConnectResponse {
  results?: ConnectResult[];
  connected?: number;
  refused?: number;
  jobId?: string;
}

export interface ImportReport {
  created?: number;
  updated?: number;
  failed?: number;
  errors?: { row: number; code: string; message?: string; field?: string }[];
}

export interface Profile {
  userId: string;
  email: string;
  name: string;
  locale: string;
  timeZone: string | null;
  workingHours: { days: number[]; from: string; to: string; daysOff: string[] };
  /** Whose hours apply: the user's own, or the organisation's (none set). */
  workingHoursSource: 'own' | 'organisation';
  preferences: { afterCompleteStep: 'next_item' | 'stay' | 'ask' };
}

/** A draft from GET /api/steps/:id/compose or POST /api/bulk-email/preview (src/mail/compose.ts ComposeDraft). */
export interface Composed {
  to: string | null;
  subject: string;
  html: string;
  text?: string;
  missing?: string[];
  errors?: string[];
  /** The template source with the seller's signature, unrendered: what the composer edits. */
  source?: { subject: string; html: string };
}

export interface StepProblem {
  stepId: string;
  code: string;
  message: string;
}

export interface BulkPreview {
  preview: Composed;
  previews?: (Composed & { stepId: string })[];
  recipients: number;
  problems: StepProblem[];
}

export interface BulkSendResult {
  sent: { stepId: string; outboundMessageId: string; notBefore: number }[];
  refused: StepProblem[];
}

export type EmailRates = Api.EmailRates;

export type SequenceInsights = Api.SequenceInsights;

export interface SellerInsights {
  days: number;
  sellers: {
    ownerId: string;
    ownerName: string;
    completed: number;
    skipped: number;
    open: number;
    overdue: number;
  }[];
}

export type TokenScope = 'read' | 'write' | 'admin';

/** The create answer adds the token itself, shown once. */
export type ApiToken = Api.ApiToken & { token?: string };

export type AdminUser = Api.AdminUser;

export type BusinessUnit = Api.BusinessUnit;

export type AuditEntry = Api.AuditEntry;

export type Mailbox = Api.Mailbox;

/** The create answer adds the signing secret, shown once. */
export type Webhook = Api.Webhook & { secret?: string };

export interface OutboxMessage {
  id: string;
  to: string;
  subject: string;
  status: string;
  /** For `bounced` and `failed`: what the mail server said. */
  lastError?: string | null;
  holdReason?: string | null;
  /** Whose mailbox sends it (a held "reconnect" email links to the sender's own Settings → Mailboxes). */
  senderUserId?: string;
  notBefore?: number;
  /** The recipient's time zone (own, inferred or default): "scheduled for" is shown in it and the viewer's. */
  recipientTimeZone?: string;
  sentAt?: number | null;
  createdAt: number;
}

/** A sequence's automated email waiting to go (GET /api/sequences/:id/scheduled-emails). */
export interface ScheduledEmail {
  id: string;
  to: string;
  subject: string;
  recordId: string | null;
  scheduledFor: number;
  holdReason: string | null;
  recipientTimeZone: string;
}

/** Where a record's time zone comes from (GET /api/records/:id/time-zone). */
export interface RecordTimeZone {
  zone: string;
  source: 'record' | 'city' | 'region' | 'country' | 'phone' | 'default';
  inferred: boolean;
}

export type HeldDraft = Api.HeldDraft;

export interface OrgSettings {
  featureRoles?: string[] | null;
  timeZone?: string;
  holidays?: string[];
  [key: string]: unknown;
}

export interface EmailTemplate {
  id: string;
  name: string;
  language: string;
  subject: string;
  recordType?: RecordType | null;
}

/** GET /api/suppressions (admins). */
export interface Suppression {
  address: string;
  reason: 'hard_bounce' | 'complaint' | 'unsubscribe' | 'manual';
  detail: string | null;
  outboundMessageId: string | null;
  createdBy: string | null;
  createdAt: number;
}

/** GET /api/inbound/messages (admins): the inbound-message log of the last 30 days. */
export interface InboundMessage {
  id: string;
  via: 'smtp' | 'http' | 'imap';
  receivedAt: number;
  from: string | null;
  subject: string | null;
  messageId: string | null;
  class: string;
  detail: string | null;
  outcome: string;
  reason: string | null;
  outboundMessageId: string | null;
  matchedBy: 'verp' | 'message_id' | 'references' | 'stepwise_id' | 'recipient' | null;
  sizeBytes: number;
}

export interface InboundMessageDetail extends InboundMessage {
  source: string;
  sourceTruncated: boolean;
}
