import type * as Api from '../../../src/api/contract.ts';

/**
 * Shapes the UI reads from the public API (camelCase JSON). Every response type is `Api.X`, derived from the
 * server's zod response schemas (src/api/contract.ts, type-only: nothing of the server is bundled), so a server
 * change that breaks a screen fails `tsc`. What is left here is the UI's own: constant lists for pickers, and
 * view shapes the screens build from responses (`WorkItem`). docs/ui.md lists which endpoint each screen uses.
 */
export const RECORD_TYPES = ['lead', 'contact', 'account', 'opportunity'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];
export const SEQUENCE_STATUSES = ['inactive', 'active', 'revision'] as const;
export type SequenceStatus = (typeof SEQUENCE_STATUSES)[number];
export const CALL_OUTCOMES = ['connected', 'left_voicemail', 'no_answer', 'busy', 'wrong_number'] as const;
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

/** A tag as the screens use it (flat, with its parent). */
export type TagRef = Api.Tag;

/** GET /api/tags returns the tree; the screens use it flat. */
export type ApiTag = Api.TagTreeItem;
export function flattenTags(items: ApiTag[], parentId: string | null = null): TagRef[] {
  return items.flatMap((tag) => [
    { id: tag.id, name: tag.name, parentId: tag.parentId ?? parentId },
    ...flattenTags(tag.children ?? [], tag.id),
  ]);
}

export type Sequence = Api.SequenceSummary;

export type SequenceTemplate = Api.SequenceTemplate;

export type SequenceVersion = Api.SequenceVersion;

export type SequenceShare = Api.SequenceShare;

export type ShareCandidates = Api.ShareCandidates;

export type ValidationProblem = Api.ValidationProblem;

export type ConnectedRecord = Api.ConnectedRecord;

export type CrmRecord = Api.RecordDto;

/** GET /api/records/:id adds whether the viewer follows the record. */
export type RecordDetail = Api.RecordDetail;

export function recordSequenceName(record: CrmRecord): string | null {
  return record.sequence?.name ?? null;
}
export function recordStepName(record: CrmRecord): string | null {
  return record.currentStep?.name ?? null;
}
export function isConnected(record: CrmRecord): boolean {
  return record.sequence !== null;
}

/** GET /api/records/:id/up-next. */
export type UpNext = Api.UpNext;

/** GET /api/worklist item. */
export type ApiWorkItem = Api.WorklistItem;

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

export type ConnectResult = Api.ConnectOutcome;

/** POST /api/sequences/:id/connections: connected at once (200) or queued as a bulk job (202). */
export type ConnectResponse = Api.ConnectResult | Api.ConnectQueued;

export type Profile = Api.Profile;

/** A draft from GET /api/steps/:id/compose or POST /api/bulk-email/preview. */
export type Composed = Api.Draft;

export type BulkPreview = Api.BulkPreview;

export type BulkSendResult = Api.BulkSendResult;

export type EmailRates = Api.EmailRates;

export type SequenceInsights = Api.SequenceInsights;

export type SellerInsights = Api.SellerInsights;

export type TokenScope = 'read' | 'write' | 'admin';

/** The create answer adds the token itself, shown once. */
export type ApiToken = Api.ApiToken & { token?: string };

export type AdminUser = Api.AdminUser;

export type BusinessUnit = Api.BusinessUnit;

export type AuditEntry = Api.AuditEntry;

export type Mailbox = Api.Mailbox;

/** The create answer adds the signing secret, shown once. */
export type Webhook = Api.Webhook & { secret?: string };

export type OutboxMessage = Api.OutboxItem;

/** A sequence's automated email waiting to go (GET /api/sequences/:id/scheduled-emails). */
export type ScheduledEmail = Api.ScheduledEmail;

/** Where a record's time zone comes from (GET /api/records/:id/time-zone). */
export type RecordTimeZone = Api.RecordTimeZone;

export type HeldDraft = Api.HeldDraft;

export type EmailTemplate = Api.EmailTemplate;

/** GET /api/suppressions (admins). */
export type Suppression = Api.Suppression;

/** GET /api/inbound/messages (admins): the inbound-message log of the last 30 days. */
export type InboundMessage = Api.InboundMessage;

export type InboundMessageDetail = Api.InboundMessageDetail;
