import { type ComponentType, lazy } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * Pages load on first visit (code splitting): the first download holds the shell, the sign-in and the session;
 * the designer (React Flow), insights (charts), editor (TipTap) and settings come as separate chunks.
 */
function lazyNamed<M, K extends keyof M>(load: () => Promise<M>, name: K) {
  return lazy(async () => ({ default: (await load())[name] as ComponentType }));
}

/** Shown by the Suspense boundary in Layout while a page's chunk loads. */
export function PageLoading() {
  const { t } = useTranslation();
  return <p className="loading">{t('loading')}</p>;
}

const detail = () => import('../pages/sequences/SequenceDetailPage.tsx');
const admin = () => import('../pages/settings/AdminSettings.tsx');
const mail = () => import('../pages/settings/MailSettings.tsx');
const inbound = () => import('../pages/settings/InboundSettings.tsx');

export const WorklistPage = lazyNamed(() => import('../pages/worklist/WorklistPage.tsx'), 'WorklistPage');
export const SequencesPage = lazyNamed(() => import('../pages/sequences/SequencesPage.tsx'), 'SequencesPage');
export const SequenceDetailPage = lazyNamed(detail, 'SequenceDetailPage');
export const ConnectedRecordsTab = lazyNamed(detail, 'ConnectedRecordsTab');
export const VersionsTab = lazyNamed(detail, 'VersionsTab');
export const SequenceInsightsTab = lazyNamed(detail, 'SequenceInsightsTab');
export const SequenceDesignerPage = lazyNamed(
  () => import('../designer/SequenceDesignerPage.tsx'),
  'SequenceDesignerPage',
);
export const SegmentsPage = lazyNamed(() => import('../pages/segments/SegmentsPage.tsx'), 'SegmentsPage');
export const RecordsPage = lazyNamed(() => import('../pages/records/RecordsPage.tsx'), 'RecordsPage');
export const RecordPage = lazyNamed(() => import('../pages/record/RecordPage.tsx'), 'RecordPage');
export const InsightsPage = lazyNamed(() => import('../pages/insights/InsightsPage.tsx'), 'InsightsPage');
export const SettingsPage = lazyNamed(() => import('../pages/settings/SettingsPage.tsx'), 'SettingsPage');
export const ProfileSettings = lazyNamed(
  () => import('../pages/settings/ProfileSettings.tsx'),
  'ProfileSettings',
);
export const TokenSettings = lazyNamed(() => import('../pages/settings/TokenSettings.tsx'), 'TokenSettings');
export const ScheduleSettings = lazyNamed(
  () => import('../pages/settings/ScheduleSettings.tsx'),
  'ScheduleSettings',
);
export const StageSettings = lazyNamed(() => import('../pages/settings/StageSettings.tsx'), 'StageSettings');
export const TemplateSettings = lazyNamed(
  () => import('../pages/settings/TemplateSettings.tsx'),
  'TemplateSettings',
);
export const SsoSettings = lazyNamed(() => import('../pages/settings/SsoSettings.tsx'), 'SsoSettings');
export const MailboxSettings = lazyNamed(mail, 'MailboxSettings');
export const OutboxSettings = lazyNamed(mail, 'OutboxSettings');
export const WebhookSettings = lazyNamed(mail, 'WebhookSettings');
export const UserSettings = lazyNamed(admin, 'UserSettings');
export const BusinessUnitSettings = lazyNamed(admin, 'BusinessUnitSettings');
export const OrganisationSettings = lazyNamed(admin, 'OrganisationSettings');
export const AuditSettings = lazyNamed(admin, 'AuditSettings');
export const SuppressionSettings = lazyNamed(inbound, 'SuppressionSettings');
export const InboundMailSettings = lazyNamed(inbound, 'InboundMailSettings');
export const EngineTaskSettings = lazyNamed(
  () => import('../pages/settings/EngineTaskSettings.tsx'),
  'EngineTaskSettings',
);
