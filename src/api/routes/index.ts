import type { ApiApp } from '../app.ts';
import type { AppDeps } from '../deps.ts';
import { abWinnerRoutes } from './ab-winner-routes.ts';
import { adminRoutes } from './admin-routes.ts';
import { adminSettingsRoutes } from './admin-settings-routes.ts';
import { adminUnitRoutes } from './admin-unit-routes.ts';
import { auditRoutes } from './audit-routes.ts';
import { authRoutes } from './auth-routes.ts';
import { composeRoutes } from './compose-routes.ts';
import { connectionRoutes } from './connection-routes.ts';
import { connectionStateRoutes } from './connection-state-routes.ts';
import { conversationRoutes } from './conversation-routes.ts';
import { deadTaskRoutes } from './dead-task-routes.ts';
import { directoryRoutes } from './directory-routes.ts';
import { emailTemplateRoutes } from './email-template-routes.ts';
import { healthRoutes } from './health-routes.ts';
import { heldEmailRoutes } from './held-email-routes.ts';
import { importRoutes } from './import-routes.ts';
import { inboundMessageRoutes } from './inbound-message-routes.ts';
import { inboundRoutes } from './inbound-routes.ts';
import { insightsRoutes } from './insights-routes.ts';
import { mailboxRoutes } from './mailbox-routes.ts';
import { metricsRoutes } from './metrics-routes.ts';
import { notificationRoutes } from './notification-routes.ts';
import { notificationSettingsRoutes } from './notification-settings-routes.ts';
import { notificationStreamRoutes } from './notification-stream-routes.ts';
import { oauthAppRoutes } from './oauth-app-routes.ts';
import { oauthMailboxRoutes } from './oauth-mailbox-routes.ts';
import { outboxActivityRoutes } from './outbox-activity-routes.ts';
import { outboxRoutes } from './outbox-routes.ts';
import { profileRoutes } from './profile-routes.ts';
import { recipientTimeRoutes } from './recipient-time-routes.ts';
import { recordFieldRoutes } from './record-field-routes.ts';
import { recordRoutes } from './record-routes.ts';
import { scheduleRoutes } from './schedule-routes.ts';
import { segmentPreviewRoutes } from './segment-preview-routes.ts';
import { segmentRoutes } from './segment-routes.ts';
import { sequenceLifecycleRoutes } from './sequence-lifecycle-routes.ts';
import { sequenceRoutes } from './sequence-routes.ts';
import { sequenceShareRoutes } from './sequence-share-routes.ts';
import { sequenceTemplateRoutes } from './sequence-template-routes.ts';
import { signatureRoutes } from './signature-routes.ts';
import { ssoAdminRoutes } from './sso-admin-routes.ts';
import { ssoRoutes } from './sso-routes.ts';
import { stepRoutes } from './step-routes.ts';
import { suppressionRoutes } from './suppression-routes.ts';
import { tagRoutes } from './tag-routes.ts';
import { templateToolsRoutes } from './template-tools-routes.ts';
import { timelineRoutes } from './timeline-routes.ts';
import { tokenRoutes } from './token-routes.ts';
import { trackingRoutes } from './tracking-routes.ts';
import { unsubscribeRoutes } from './unsubscribe-routes.ts';
import { upNextRoutes } from './upnext-routes.ts';
import { webhookRoutes } from './webhook-routes.ts';
import { worklistRoutes } from './worklist-routes.ts';

export type RouteModule = (app: ApiApp, deps: AppDeps) => Promise<void>;

/** Every route module of the API; one line per module. */
export const routeModules: RouteModule[] = [
  // First: its onResponse hook times every route.
  metricsRoutes,
  healthRoutes,
  authRoutes,
  ssoRoutes,
  ssoAdminRoutes,
  tokenRoutes,
  profileRoutes,
  adminRoutes,
  adminUnitRoutes,
  adminSettingsRoutes,
  auditRoutes,
  deadTaskRoutes,
  insightsRoutes,
  abWinnerRoutes,
  recordRoutes,
  recordFieldRoutes,
  importRoutes,
  trackingRoutes,
  unsubscribeRoutes,
  inboundRoutes,
  sequenceRoutes,
  sequenceLifecycleRoutes,
  sequenceShareRoutes,
  sequenceTemplateRoutes,
  tagRoutes,
  emailTemplateRoutes,
  connectionRoutes,
  connectionStateRoutes,
  stepRoutes,
  worklistRoutes,
  upNextRoutes,
  segmentRoutes,
  segmentPreviewRoutes,
  timelineRoutes,
  mailboxRoutes,
  outboxRoutes,
  outboxActivityRoutes,
  heldEmailRoutes,
  notificationRoutes,
  webhookRoutes,
  composeRoutes,
  scheduleRoutes,
  suppressionRoutes,
  directoryRoutes,
  recipientTimeRoutes,
  signatureRoutes,
  conversationRoutes,
  templateToolsRoutes,
  notificationStreamRoutes,
  inboundMessageRoutes,
  oauthMailboxRoutes,
  notificationSettingsRoutes,
  oauthAppRoutes,
];
