import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { NavLink, Outlet } from 'react-router';
import { api, setCsrfToken } from '../api/client.ts';
import { RECORD_TYPES } from '../api/types.ts';
import { GlobalSearch } from '../components/GlobalSearch.tsx';
import { NotificationBell } from '../components/NotificationBell.tsx';
import i18n, { LANGUAGES, type Language } from '../i18n/index.ts';
import { PageLoading } from './lazy-pages.tsx';
import { mayInOrg } from './permissions.ts';
import { useSession } from './session.tsx';

/** Header with navigation, the signed-in user and business unit, the language switch and sign-out. */
export function Layout() {
  const { t } = useTranslation();
  const { me, refresh } = useSession();
  const client = useQueryClient();
  const language = useMutation({
    mutationFn: async (locale: Language) => {
      await i18n.changeLanguage(locale);
      document.documentElement.lang = locale;
      await api('PATCH', '/api/me/profile', { locale });
    },
    onSuccess: () => client.invalidateQueries({ queryKey: ['profile'] }),
  });
  async function signOut() {
    const out = await api<{ redirectUrl: string } | undefined>('POST', '/api/auth/logout');
    setCsrfToken(null);
    client.clear();
    // After a single sign-on the provider signs the person out too, then sends them back to the sign-in page.
    if (out?.redirectUrl) {
      window.location.assign(out.redirectUrl);
      return;
    }
    await refresh();
  }
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        {t('header.skipToContent')}
      </a>
      <header className="app-header">
        <span className="brand">{t('appName')}</span>
        <nav aria-label={t('header.navigation')}>
          <NavLink to="/" end>
            {t('nav.worklist')}
          </NavLink>
          <NavLink to="/sequences">{t('nav.sequences')}</NavLink>
          {RECORD_TYPES.map((type) => (
            <NavLink key={type} to={`/records/${type}`}>
              {t(`recordTypePlural.${type}`)}
            </NavLink>
          ))}
          {mayInOrg(me, 'view_reports') && <NavLink to="/insights">{t('nav.insights')}</NavLink>}
          <NavLink to="/settings">{t('nav.settings')}</NavLink>
        </nav>
        <GlobalSearch />
        <label className="language-switch">
          <span className="visually-hidden">{t('header.language')}</span>
          <select
            value={i18n.language}
            onChange={(event) => language.mutate(event.target.value as Language)}
            data-testid="language-switch"
          >
            {LANGUAGES.map((code) => (
              <option key={code} value={code}>
                {t(`languages.${code}`)}
              </option>
            ))}
          </select>
        </label>
        <NotificationBell />
        <span className="user" data-testid="current-user">
          {me?.name}
          {me?.businessUnitName && <span className="bu"> · {me.businessUnitName}</span>}
        </span>
        <button type="button" onClick={signOut}>
          {t('header.signOut')}
        </button>
      </header>
      <main className="content" id="main">
        <Suspense fallback={<PageLoading />}>
          <Outlet />
        </Suspense>
      </main>
    </div>
  );
}
