import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import type { BusinessUnit, Page } from '../../api/types.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';

const ROLES = ['seller', 'sequence_manager', 'sales_manager', 'admin'] as const;

interface SsoProvider {
  id: string;
  name: string;
  issuer: string;
  clientId: string;
  allowedDomains: string[];
  defaultBusinessUnitId: string;
  defaultRole: string;
  groupsClaim: string | null;
  groupMappings: { group: string; role: string; businessUnitId: string }[];
  enforce: boolean;
  redirectUri: string;
}

const EMPTY = {
  name: '',
  issuer: '',
  clientId: '',
  clientSecret: '',
  domains: '',
  businessUnitId: '',
  role: 'seller',
  groupsClaim: '',
  mappings: '',
};

/**
 * Single sign-on (docs/sso.md): the organisation's OpenID Connect providers. Group mappings are one per line,
 * `group, role, business unit name`.
 */
export function SsoSettings() {
  const { t } = useTranslation('settings');
  const client = useQueryClient();
  const providers = useQuery({
    queryKey: ['sso-providers'],
    queryFn: () => api<{ items: SsoProvider[] }>('GET', '/api/admin/sso-providers'),
  });
  const units = useQuery({
    queryKey: ['business-units'],
    queryFn: () => api<Page<BusinessUnit>>('GET', '/api/admin/business-units'),
  });
  const unitList = units.data?.items ?? [];
  const [form, setForm] = useState(EMPTY);
  const [mappingError, setMappingError] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: (body: unknown) => api<SsoProvider>('POST', '/api/admin/sso-providers', body),
    onSuccess: async () => {
      setForm(EMPTY);
      await client.invalidateQueries({ queryKey: ['sso-providers'] });
    },
  });
  const change = useMutation({
    mutationFn: (action: () => Promise<unknown>) => action(),
    onSuccess: () => client.invalidateQueries({ queryKey: ['sso-providers'] }),
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    setMappingError(null);
    const groupMappings = [];
    for (const line of form.mappings.split('\n').filter((l) => l.trim())) {
      const [group, role, unit] = line.split(',').map((part) => part.trim());
      const businessUnitId = unitList.find((u) => u.name === unit || u.id === unit)?.id;
      if (!group || !ROLES.includes(role as (typeof ROLES)[number]) || !businessUnitId) {
        setMappingError(t('sso.badMapping', { line }));
        return;
      }
      groupMappings.push({ group, role, businessUnitId });
    }
    create.mutate({
      name: form.name,
      issuer: form.issuer,
      clientId: form.clientId,
      clientSecret: form.clientSecret,
      allowedDomains: form.domains.split(/[\s,]+/).filter(Boolean),
      defaultBusinessUnitId: form.businessUnitId || unitList[0]?.id,
      defaultRole: form.role,
      groupsClaim: form.groupsClaim.trim() || null,
      groupMappings,
    });
  }

  const field = (key: keyof typeof EMPTY) => ({
    value: form[key],
    onChange: (event: { target: { value: string } }) => setForm({ ...form, [key]: event.target.value }),
  });

  return (
    <section className="card" aria-labelledby="sso-title">
      <h2 id="sso-title">{t('section.sso')}</h2>
      <p className="muted">
        {t('sso.redirectUri', { uri: `${window.location.origin}/api/auth/sso/callback` })}
      </p>
      <ErrorMessage error={providers.error ?? change.error} />
      <table className="grid" aria-label={t('section.sso')}>
        <thead>
          <tr>
            <th>{t('sso.name')}</th>
            <th>{t('sso.issuer')}</th>
            <th>{t('sso.domains')}</th>
            <th>{t('sso.enforce')}</th>
            <th>
              <span className="visually-hidden">{t('actions')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {(providers.data?.items ?? []).map((provider) => (
            <tr key={provider.id}>
              <td>{provider.name}</td>
              <td>{provider.issuer}</td>
              <td>{provider.allowedDomains.join(', ')}</td>
              <td>
                <input
                  type="checkbox"
                  aria-label={t('sso.enforceOf', { name: provider.name })}
                  checked={provider.enforce}
                  onChange={(event) => {
                    // Read now: React puts the controlled box back before the mutation runs.
                    const enforce = event.target.checked;
                    change.mutate(() => api('PATCH', `/api/admin/sso-providers/${provider.id}`, { enforce }));
                  }}
                />
              </td>
              <td>
                <button
                  type="button"
                  className="danger"
                  onClick={() =>
                    change.mutate(() => api('DELETE', `/api/admin/sso-providers/${provider.id}`))
                  }
                >
                  {t('common:actions.delete')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted">{t('sso.enforceHelp')}</p>
      <form className="form-grid" aria-label={t('sso.add')} onSubmit={submit}>
        <label>
          {t('sso.name')}
          <input required {...field('name')} />
        </label>
        <label>
          {t('sso.issuer')}
          <input type="url" required placeholder={t('sso.issuerPlaceholder')} {...field('issuer')} />
        </label>
        <label>
          {t('sso.clientId')}
          <input required {...field('clientId')} />
        </label>
        <label>
          {t('sso.clientSecret')}
          <input type="password" autoComplete="off" required {...field('clientSecret')} />
        </label>
        <label>
          {t('sso.domains')}
          <input required placeholder={t('sso.domainsPlaceholder')} {...field('domains')} />
        </label>
        <label>
          {t('sso.defaultUnit')}
          <select {...field('businessUnitId')}>
            {unitList.map((unit) => (
              <option key={unit.id} value={unit.id}>
                {unit.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('sso.defaultRole')}
          <select {...field('role')}>
            {ROLES.map((role) => (
              <option key={role} value={role}>
                {t(`common:role.${role}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('sso.groupsClaim')}
          <input placeholder={t('sso.groupsPlaceholder')} {...field('groupsClaim')} />
        </label>
        <label>
          {t('sso.mappings')}
          <textarea rows={3} placeholder={t('sso.mappingsPlaceholder')} {...field('mappings')} />
        </label>
        {mappingError && (
          <p role="alert" className="error">
            {mappingError}
          </p>
        )}
        <ErrorMessage error={create.error} />
        <button type="submit" className="primary" disabled={create.isPending}>
          {t('sso.add')}
        </button>
      </form>
    </section>
  );
}
