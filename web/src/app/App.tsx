import { useTranslation } from 'react-i18next';
import { BrowserRouter, Route, Routes } from 'react-router';
import { SignInPage } from '../pages/SignInPage.tsx';
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
          <Route index element={<p>{t('appName')}</p>} />
        </Route>
      </Routes>
    </BrowserRouter>
  );
}
