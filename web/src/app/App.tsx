import { useTranslation } from 'react-i18next';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { SignInPage } from '../pages/SignInPage.tsx';
import { Layout } from './Layout.tsx';
import {
  AuditSettings,
  BusinessUnitSettings,
  ConnectedRecordsTab,
  EngineTaskSettings,
  InboundMailSettings,
  InsightsPage,
  MailboxSettings,
  OrganisationSettings,
  OutboxSettings,
  ProfileSettings,
  RecordPage,
  RecordsPage,
  ScheduleSettings,
  SegmentsPage,
  SequenceDesignerPage,
  SequenceDetailPage,
  SequenceInsightsTab,
  SequencesPage,
  SettingsPage,
  SsoSettings,
  StageSettings,
  SuppressionSettings,
  TemplateSettings,
  TokenSettings,
  UserSettings,
  VersionsTab,
  WebhookSettings,
  WorklistPage,
} from './lazy-pages.tsx';
import { useSession } from './session.tsx';

export function App() {
  const { t } = useTranslation();
  const { me, loading } = useSession();
  if (loading) return <p className="loading">{t('loading')}</p>;
  if (!me) return <SignInPage />;
  return (
    <BrowserRouter>
      <Routes>
        <Route element={<Layout />}>
          <Route index element={<WorklistPage />} />
          <Route path="sequences" element={<SequencesPage />} />
          <Route path="sequences/segments" element={<SegmentsPage />} />
          <Route path="sequences/:id" element={<SequenceDetailPage />}>
            <Route index element={<SequenceDesignerPage />} />
            <Route path="connected" element={<ConnectedRecordsTab />} />
            <Route path="versions" element={<VersionsTab />} />
            <Route path="insights" element={<SequenceInsightsTab />} />
          </Route>
          <Route path="records/:type" element={<RecordsPage />} />
          <Route path="records" element={<Navigate to="/records/lead" replace />} />
          <Route path="record/:id" element={<RecordPage />} />
          <Route path="insights" element={<InsightsPage />} />
          <Route path="settings" element={<SettingsPage />}>
            <Route index element={<Navigate to="/settings/profile" replace />} />
            <Route path="profile" element={<ProfileSettings />} />
            <Route path="tokens" element={<TokenSettings />} />
            <Route path="mailboxes" element={<MailboxSettings />} />
            <Route path="outbox" element={<OutboxSettings />} />
            <Route path="templates" element={<TemplateSettings />} />
            <Route path="users" element={<UserSettings />} />
            <Route path="business-units" element={<BusinessUnitSettings />} />
            <Route path="organisation" element={<OrganisationSettings />} />
            <Route path="schedules" element={<ScheduleSettings />} />
            <Route path="stages" element={<StageSettings />} />
            <Route path="webhooks" element={<WebhookSettings />} />
            <Route path="sso" element={<SsoSettings />} />
            <Route path="audit" element={<AuditSettings />} />
            <Route path="suppressions" element={<SuppressionSettings />} />
            <Route path="inbound-mail" element={<InboundMailSettings />} />
            <Route path="engine-tasks" element={<EngineTaskSettings />} />
          </Route>
          <Route path="*" element={<Navigate to="/" replace />} />
        </Route>
      </Routes>
    </BrowserRouter>
  );
}
