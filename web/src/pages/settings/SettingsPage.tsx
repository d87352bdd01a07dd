import { useTranslation } from 'react-i18next';
import { NavLink, Outlet } from 'react-router';
import { isAdmin } from '../../app/permissions.ts';
import { useSession } from '../../app/session.tsx';

const PERSONAL = ['profile', 'tokens', 'mailboxes', 'outbox', 'templates'] as const;
const ADMIN = [
  'users',
  'business-units',
  'organisation',
  'stages',
  'schedules',
  'webhooks',
  'sso',
  'audit',
  'suppressions',
  'inbound-mail',
  'engine-tasks',
] as const;

/** Settings: personal sections for everybody, organisation sections for admins. */
export function SettingsPage() {
  const { t } = useTranslation('settings');
  const { me } = useSession();
  return (
    <section className="page settings">
      <h1>{t('title')}</h1>
      <div className="settings-layout">
        <nav className="side-nav" aria-label={t('title')}>
          <h2>{t('personal')}</h2>
          {PERSONAL.map((section) => (
            <NavLink key={section} to={`/settings/${section}`}>
              {t(`section.${section}`)}
            </NavLink>
          ))}
          {isAdmin(me) && (
            <>
              <h2>{t('organisation')}</h2>
              {ADMIN.map((section) => (
                <NavLink key={section} to={`/settings/${section}`}>
                  {t(`section.${section}`)}
                </NavLink>
              ))}
            </>
          )}
        </nav>
        <div className="settings-body">
          <Outlet />
        </div>
      </div>
    </section>
  );
}
