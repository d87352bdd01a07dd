import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api, setCsrfToken } from '../api/client.ts';
import { type Me, useSession } from '../app/session.tsx';

interface SsoProvider {
  id: string;
  name: string;
  startUrl: string;
}

export function SignInPage() {
  const { t } = useTranslation();
  const { refresh } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [providers, setProviders] = useState<SsoProvider[]>([]);

  // Single sign-on providers configured by organisations (docs/sso.md): one "Sign in with …" button each.
  useEffect(() => {
    api<{ items: SsoProvider[] }>('GET', '/api/auth/sso/providers')
      .then((list) => setProviders(list.items))
      .catch(() => setProviders([]));
    // A refused single sign-on comes back here as ?ssoError=<code>.
    const code = new URLSearchParams(window.location.search).get('ssoError');
    if (code) {
      setError(t(`errors:${code}`, { defaultValue: t('errors:unknown_error') }));
      window.history.replaceState(null, '', window.location.pathname);
    }
  }, [t]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      // Login CSRF protection: a fresh pre-session token (also set as a cookie) goes back in a header.
      const { loginToken } = await api<{ loginToken: string }>('GET', '/api/auth/login-token');
      const me = await api<Me>(
        'POST',
        '/api/auth/login',
        { email, password },
        { 'x-login-token': loginToken },
      );
      setCsrfToken(me.csrfToken);
      await refresh();
    } catch (caught) {
      setError(
        caught instanceof ApiError
          ? t(`errors:${caught.code}`, { defaultValue: t('errors:unknown_error') })
          : t('errors:unknown_error'),
      );
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="sign-in">
      <form onSubmit={submit} className="card sign-in-card" aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">{t('signIn.title')}</h1>
        {providers.length > 0 && (
          <div className="sign-in-sso">
            {providers.map((provider) => (
              <a key={provider.id} className="sso-button" href={provider.startUrl}>
                {t('signIn.withProvider', { name: provider.name })}
              </a>
            ))}
            <p className="muted">{t('signIn.orPassword')}</p>
          </div>
        )}
        <label>
          {t('signIn.email')}
          <input
            type="email"
            autoComplete="username"
            // biome-ignore lint/a11y/noAutofocus: the sign-in page has one job; its first field is where to type.
            autoFocus
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </label>
        <label>
          {t('signIn.password')}
          <input
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {t('signIn.submit')}
        </button>
      </form>
    </main>
  );
}
