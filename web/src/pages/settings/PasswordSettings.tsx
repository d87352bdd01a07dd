import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';

const MIN_LENGTH = 12;

/** Change your own password; other sessions end and API tokens are revoked unless kept. */
export function PasswordSettings() {
  const { t } = useTranslation('settings');
  const client = useQueryClient();
  const [currentPassword, setCurrent] = useState('');
  const [newPassword, setNew] = useState('');
  const [keepApiTokens, setKeep] = useState(false);
  const change = useMutation({
    mutationFn: (keep: boolean) =>
      api('POST', '/api/me/password', { currentPassword, newPassword, keepApiTokens: keep }),
    onSuccess: async () => {
      setCurrent('');
      setNew('');
      await client.invalidateQueries({ queryKey: ['tokens'] });
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    change.mutate(keepApiTokens);
  }
  return (
    <form className="card form-grid" onSubmit={submit} aria-labelledby="password-title">
      <h2 id="password-title">{t('password.title')}</h2>
      <label>
        {t('password.current')}
        <input
          type="password"
          name="current-password"
          autoComplete="current-password"
          value={currentPassword}
          onChange={(event) => setCurrent(event.target.value)}
        />
      </label>
      <label>
        {t('password.new')}
        <input
          type="password"
          name="new-password"
          autoComplete="new-password"
          minLength={MIN_LENGTH}
          maxLength={500}
          value={newPassword}
          aria-describedby="new-password-help"
          onChange={(event) => setNew(event.target.value)}
        />
        <span id="new-password-help" className="muted small">
          {t('password.policy', { count: MIN_LENGTH })}
        </span>
      </label>
      <label className="inline">
        <input type="checkbox" checked={keepApiTokens} onChange={(event) => setKeep(event.target.checked)} />
        {t('password.keepTokens')}
      </label>
      <ErrorMessage error={change.error} />
      {change.isSuccess && (
        <p role="status">{change.variables ? t('password.changedKept') : t('password.changed')}</p>
      )}
      <button
        type="submit"
        className="primary"
        disabled={!currentPassword || newPassword.length < MIN_LENGTH || change.isPending}
      >
        {t('password.submit')}
      </button>
    </form>
  );
}
