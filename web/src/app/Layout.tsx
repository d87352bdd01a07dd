import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { NavLink, Outlet } from 'react-router';
import { api, setCsrfToken } from '../api/client.ts';
import { useSession } from './session.tsx';

/** Header with navigation, the signed-in user and sign-out; screens render in the outlet. */
export function Layout() {
  const { t } = useTranslation();
  const { me, refresh } = useSession();
  const client = useQueryClient();
  async function signOut() {
    await api('POST', '/api/auth/logout');
    setCsrfToken(null);
    client.clear();
    await refresh();
  }
  return (
    <div className="shell">
      <header className="app-header">
        <span className="brand">{t('appName')}</span>
        <nav aria-label="main">
          <NavLink to="/">{t('appName')}</NavLink>
        </nav>
        <span className="user" data-testid="current-user">
          {me?.name}
        </span>
        <button type="button" onClick={signOut}>
          {t('header.signOut')}
        </button>
      </header>
      <main className="content">
        <Outlet />
      </main>
    </div>
  );
}
