import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import type { ApiToken, Page, TokenScope } from '../../api/types.ts';
import { isAdmin } from '../../app/permissions.ts';
import { useSession } from '../../app/session.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { useFormat } from '../../i18n/format.ts';

const SCOPES: TokenScope[] = ['read', 'write', 'admin'];
/** Expiry choices in days; 0 = never. */
const EXPIRY_DAYS = [7, 30, 90, 365, 0] as const;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Personal API tokens with scopes and an expiry; the secret is shown once, right after creation. */
export function TokenSettings() {
  const { t } = useTranslation('settings');
  const format = useFormat();
  const client = useQueryClient();
  const { me } = useSession();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<TokenScope[]>(['read', 'write']);
  const [expiryDays, setExpiryDays] = useState<number>(90);
  // Only admins can use the admin scope, so only they are offered it.
  const offered = SCOPES.filter((scope) => scope !== 'admin' || isAdmin(me));
  const tokens = useQuery({ queryKey: ['tokens'], queryFn: () => api<Page<ApiToken>>('GET', '/api/tokens') });
  const create = useMutation({
    mutationFn: () =>
      api<ApiToken>('POST', '/api/tokens', {
        name: name.trim(),
        scopes: SCOPES.filter((scope) => scopes.includes(scope)),
        expiresAt: expiryDays === 0 ? null : Date.now() + expiryDays * DAY_MS,
      }),
    onSuccess: async () => {
      setName('');
      await client.invalidateQueries({ queryKey: ['tokens'] });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api('DELETE', `/api/tokens/${id}`),
    onSuccess: () => client.invalidateQueries({ queryKey: ['tokens'] }),
  });
  const toggle = (scope: TokenScope, on: boolean) =>
    setScopes((current) => (on ? [...current, scope] : current.filter((s) => s !== scope)));
  const now = Date.now();
  return (
    <section className="card" aria-labelledby="tokens-title">
      <h2 id="tokens-title">{t('section.tokens')}</h2>
      <p className="muted">{t('tokens.help')}</p>
      <form
        className="form-grid"
        aria-label={t('tokens.create')}
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate();
        }}
      >
        <label>
          {t('tokens.name')}
          <input value={name} maxLength={100} onChange={(event) => setName(event.target.value)} />
        </label>
        <fieldset>
          <legend>{t('tokens.scopes')}</legend>
          {offered.map((scope) => (
            <label key={scope} className="inline">
              <input
                type="checkbox"
                name="token-scope"
                value={scope}
                checked={scopes.includes(scope)}
                onChange={(event) => toggle(scope, event.target.checked)}
              />
              {t(`tokens.scope.${scope}`)}
            </label>
          ))}
          <p className="muted small">{t('tokens.scopeHelp')}</p>
        </fieldset>
        <label>
          {t('tokens.expires')}
          <select
            name="token-expiry"
            value={expiryDays}
            onChange={(event) => setExpiryDays(Number(event.target.value))}
          >
            {EXPIRY_DAYS.map((days) => (
              <option key={days} value={days}>
                {days === 0 ? t('tokens.noExpiry') : t('tokens.days', { count: days })}
              </option>
            ))}
          </select>
        </label>
        <button
          type="submit"
          className="primary"
          disabled={!name.trim() || !scopes.some((scope) => scope !== 'admin') || create.isPending}
        >
          {t('tokens.create')}
        </button>
      </form>
      {create.data?.token && (
        <div role="status" className="secret-once">
          <p className="strong">{t('tokens.shownOnce')}</p>
          <code data-testid="new-token">{create.data.token}</code>
        </div>
      )}
      <ErrorMessage error={tokens.error ?? create.error ?? revoke.error} />
      <table className="grid" aria-label={t('section.tokens')}>
        <thead>
          <tr>
            <th>{t('tokens.name')}</th>
            <th>{t('tokens.scopes')}</th>
            <th>{t('tokens.expires')}</th>
            <th>{t('tokens.created')}</th>
            <th>{t('tokens.lastUsed')}</th>
            <th>
              <span className="visually-hidden">{t('actions')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {(tokens.data?.items ?? []).map((token) => {
            const expired = token.expiresAt !== null && token.expiresAt <= now;
            return (
              <tr key={token.id}>
                <td>{token.name}</td>
                <td>{token.scopes.map((scope) => t(`tokens.scope.${scope}`)).join(', ')}</td>
                <td>
                  {token.expiresAt === null
                    ? t('tokens.noExpiry')
                    : expired
                      ? t('tokens.expired')
                      : format.dateTime(token.expiresAt)}
                </td>
                <td>{format.dateTime(token.createdAt)}</td>
                <td>{token.lastUsedAt ? format.relative(token.lastUsedAt) : t('tokens.never')}</td>
                <td>
                  {token.revokedAt ? (
                    <span className="muted">{t('tokens.revoked')}</span>
                  ) : (
                    <button type="button" className="danger" onClick={() => revoke.mutate(token.id)}>
                      {t('tokens.revoke')}
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
