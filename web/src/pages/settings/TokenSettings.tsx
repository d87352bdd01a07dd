import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import type { ApiToken, Page } from '../../api/types.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { useFormat } from '../../i18n/format.ts';

/** Personal API tokens; the secret is shown once, right after creation. */
export function TokenSettings() {
  const { t } = useTranslation('settings');
  const format = useFormat();
  const client = useQueryClient();
  const [name, setName] = useState('');
  const tokens = useQuery({ queryKey: ['tokens'], queryFn: () => api<Page<ApiToken>>('GET', '/api/tokens') });
  const create = useMutation({
    mutationFn: () => api<ApiToken>('POST', '/api/tokens', { name: name.trim() }),
    onSuccess: async () => {
      setName('');
      await client.invalidateQueries({ queryKey: ['tokens'] });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api('DELETE', `/api/tokens/${id}`),
    onSuccess: () => client.invalidateQueries({ queryKey: ['tokens'] }),
  });
  return (
    <section className="card" aria-labelledby="tokens-title">
      <h2 id="tokens-title">{t('section.tokens')}</h2>
      <p className="muted">{t('tokens.help')}</p>
      <form
        className="toolbar"
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate();
        }}
      >
        <label>
          {t('tokens.name')}
          <input value={name} maxLength={100} onChange={(event) => setName(event.target.value)} />
        </label>
        <button type="submit" className="primary" disabled={!name.trim() || create.isPending}>
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
            <th>{t('tokens.created')}</th>
            <th>{t('tokens.lastUsed')}</th>
            <th>
              <span className="visually-hidden">{t('actions')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {(tokens.data?.items ?? []).map((token) => (
            <tr key={token.id}>
              <td>{token.name}</td>
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
          ))}
        </tbody>
      </table>
    </section>
  );
}
