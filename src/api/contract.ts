import type { z } from 'zod';
import type { ErrorCode } from '../domain/error-codes.ts';
import type { ProblemSchema } from './problems.ts';
import type { AdminUserSchema, BusinessUnitSchema } from './routes/admin-route-support.ts';
import type { AuditEntrySchema } from './routes/audit-routes.ts';
import type { BulkPreviewSchema, BulkSendResultSchema, DraftSchema } from './routes/compose-routes.ts';
import type {
  BulkJobSchema,
  ConnectedRecordSchema,
  ConnectOutcomeSchema,
  ConnectQueuedSchema,
  ConnectResultSchema,
} from './routes/connection-route-support.ts';
import type { EmailTemplateSchema } from './routes/email-template-routes.ts';
import type { HeldDraftSchema } from './routes/held-email-routes.ts';
import type { InboundMessageDetailSchema, InboundMessageSchema } from './routes/inbound-message-routes.ts';
import type {
  EmailRatesSchema,
  SellerInsightsSchema,
  SequenceInsightsSchema,
} from './routes/insights-routes.ts';
import type { MailboxSchema } from './routes/mailbox-schemas.ts';
import type { OutboxItemSchema } from './routes/outbox-routes.ts';
import type { ProfileSchema } from './routes/profile-routes.ts';
import type { RecordTimeZoneSchema, ScheduledEmailSchema } from './routes/recipient-time-routes.ts';
import type { RecordDetailSchema, RecordSchema } from './routes/record-route-support.ts';
import type {
  SequenceDetailSchema,
  SequenceSummarySchema,
  TemplateGalleryItemSchema,
  ValidationProblemSchema,
  VersionInfoSchema,
} from './routes/sequence-route-support.ts';
import type { SequenceShareSchema, ShareCandidatesSchema } from './routes/sequence-share-routes.ts';
import type { StepSchema } from './routes/step-routes.ts';
import type { SuppressionSchema } from './routes/suppression-routes.ts';
import type { TagSchema, TagTreeItemSchema } from './routes/tag-routes.ts';
import type { TimelineEventSchema } from './routes/timeline-routes.ts';
import type { ApiTokenSchema } from './routes/token-routes.ts';
import type { UpNextSchema } from './routes/upnext-routes.ts';
import type { WebhookSchema } from './routes/webhook-routes.ts';
import type { WorklistItemSchema } from './routes/worklist-routes.ts';

/**
 * The API's response shapes as TypeScript types, derived from the same zod schemas that validate the responses
 * and produce the OpenAPI document. Type-only: the web app imports this file with `import type`, so no server
 * code reaches the browser bundle, and a server change that breaks a screen fails `tsc`.
 */
export type { ErrorCode };
export type Problem = z.output<typeof ProblemSchema>;
export type SequenceSummary = z.output<typeof SequenceSummarySchema>;
export type SequenceDetail = z.output<typeof SequenceDetailSchema>;
export type SequenceVersion = z.output<typeof VersionInfoSchema>;
export type SequenceTemplate = z.output<typeof TemplateGalleryItemSchema>;
export type SequenceShare = z.output<typeof SequenceShareSchema>;
export type ShareCandidates = z.output<typeof ShareCandidatesSchema>;
export type ValidationProblem = z.output<typeof ValidationProblemSchema>;
export type ConnectedRecord = z.output<typeof ConnectedRecordSchema>;
export type RecordDto = z.output<typeof RecordSchema>;
export type RecordDetail = z.output<typeof RecordDetailSchema>;
export type UpNext = z.output<typeof UpNextSchema>;
export type WorklistItem = z.output<typeof WorklistItemSchema>;
export type TimelineEvent = z.output<typeof TimelineEventSchema>;
export type Profile = z.output<typeof ProfileSchema>;
export type Draft = z.output<typeof DraftSchema>;
export type EmailRates = z.output<typeof EmailRatesSchema>;
export type SequenceInsights = z.output<typeof SequenceInsightsSchema>;
export type ApiToken = z.output<typeof ApiTokenSchema>;
export type AdminUser = z.output<typeof AdminUserSchema>;
export type BusinessUnit = z.output<typeof BusinessUnitSchema>;
export type AuditEntry = z.output<typeof AuditEntrySchema>;
export type Mailbox = z.output<typeof MailboxSchema>;
export type Webhook = z.output<typeof WebhookSchema>;
export type OutboxItem = z.output<typeof OutboxItemSchema>;
export type HeldDraft = z.output<typeof HeldDraftSchema>;
export type EmailTemplate = z.output<typeof EmailTemplateSchema>;
export type BulkPreview = z.output<typeof BulkPreviewSchema>;
export type BulkSendResult = z.output<typeof BulkSendResultSchema>;
export type SellerInsights = z.output<typeof SellerInsightsSchema>;
export type ConnectOutcome = z.output<typeof ConnectOutcomeSchema>;
export type ConnectResult = z.output<typeof ConnectResultSchema>;
export type ConnectQueued = z.output<typeof ConnectQueuedSchema>;
export type BulkJob = z.output<typeof BulkJobSchema>;
export type ScheduledEmail = z.output<typeof ScheduledEmailSchema>;
export type RecordTimeZone = z.output<typeof RecordTimeZoneSchema>;
export type Suppression = z.output<typeof SuppressionSchema>;
export type InboundMessage = z.output<typeof InboundMessageSchema>;
export type InboundMessageDetail = z.output<typeof InboundMessageDetailSchema>;
export type Tag = z.output<typeof TagSchema>;
export type TagTreeItem = z.output<typeof TagTreeItemSchema>;
export type StepInstance = z.output<typeof StepSchema>;
