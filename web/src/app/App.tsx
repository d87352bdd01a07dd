import { useTranslation } from 'react-i18next';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { SequenceDesignerPage } from '../designer/SequenceDesignerPage.tsx';
import { InsightsPage } from '../pages/insights/InsightsPage.tsx';
import { RecordPage } from '../pages/record/RecordPage.tsx';
import { RecordsPage } from '../pages/records/RecordsPage.tsx';
import { SignInPage } from '../pages/SignInPage.tsx';
import {
  ConnectedRecordsTab,
  SequenceDetailPage,
  SequenceInsightsTab,
  VersionsTab,
} from '../pages/sequences/SequenceDetailPage.tsx';
import { SequencesPage } from '../pages/sequences/SequencesPage.tsx';
import {
  AuditSettings,
  BusinessUnitSettings,
  OrganisationSettings,
  UserSettings,
} from '../pages/settings/AdminSettings.tsx';
import { MailboxSettings, OutboxSettings, WebhookSettings } from '../pages/settings/MailSettings.tsx';
import { ProfileSettings } from '../pages/settings/ProfileSettings.tsx';
import { ScheduleSettings } from '../pages/settings/ScheduleSettings.tsx';
import { SettingsPage } from '../pages/settings/SettingsPage.tsx';
import { SsoSettings } from '../pages/settings/SsoSettings.tsx';
import { StageSettings } from '../pages/settings/StageSettings.tsx';
import { TemplateSettings } from '../pages/settings/TemplateSettings.tsx';
import { TokenSettings } from '../pages/settings/TokenSettings.tsx';
import { WorklistPage } from '../pages/worklist/WorklistPage.tsx';
import { Layout } from './Layout.tsx';
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
          </Route>
          <Route path="*" element={<Navigate to="/" replace />} />
        </Route>
      </Routes>
    </BrowserRouter>
  );
}
