import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, query } from '../../api/client.ts';
import type { AdminUser, AuditEntry, Page } from '../../api/types.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { useToast } from '../../components/Toast.tsx';
import { useFormat } from '../../i18n/format.ts';
import { useUnits } from './admin-units.ts';
import { timeZones } from './ProfileSettings.tsx';

export { BusinessUnitSettings } from './BusinessUnitSettings.tsx';

const ROLES = ['seller', 'sequence_manager', 'sales_manager', 'admin'] as const;

/** Users: roles, business unit, active flag; create with an initial password. */
export function UserSettings() {
  const { t } = useTranslation('settings');
  const client = useQueryClient();
  const users = useQuery({
    queryKey: ['admin-users'],
    queryFn: () => api<Page<AdminUser>>('GET', '/api/admin/users?limit=500'),
  });
  const units = useUnits();
  const unitList = units.data?.items ?? [];
  const [form, setForm] = useState({
    email: '',
    name: '',
    password: '',
    businessUnitId: '',
    role: 'seller',
    locale: 'en',
  });
  const change = useMutation({
    mutationFn: ({ id, body }: { id: string; body: unknown }) => api('PATCH', `/api/admin/users/${id}`, body),
    onSuccess: () => client.invalidateQueries({ queryKey: ['admin-users'] }),
  });
  const create = useMutation({
    mutationFn: () =>
      api('POST', '/api/admin/users', {
        email: form.email,
        name: form.name,
        password: form.password,
        businessUnitId: form.businessUnitId || unitList[0]?.id,
        roles: [form.role],
        locale: form.locale,
      }),
    onSuccess: async () => {
      setForm({ ...form, email: '', name: '', password: '' });
      await client.invalidateQueries({ queryKey: ['admin-users'] });
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate();
  }
  return (
    <section className="card" aria-labelledby="users-title">
      <h2 id="users-title">{t('section.users')}</h2>
      <ErrorMessage error={users.error ?? change.error} />
      <table className="grid" aria-label={t('section.users')}>
        <thead>
          <tr>
            <th>{t('users.name')}</th>
            <th>{t('users.email')}</th>
            <th>{t('users.businessUnit')}</th>
            <th>{t('users.roles')}</th>
            <th>{t('users.active')}</th>
          </tr>
        </thead>
        <tbody>
          {(users.data?.items ?? []).map((user) => (
            <tr key={user.id}>
              <td>{user.name}</td>
              <td>{user.email}</td>
              <td>
                <select
                  aria-label={t('users.businessUnitOf', { name: user.name })}
                  value={user.businessUnitId}
                  onChange={(event) =>
                    change.mutate({ id: user.id, body: { businessUnitId: event.target.value } })
                  }
                >
                  {unitList.map((unit) => (
                    <option key={unit.id} value={unit.id}>
                      {unit.name}
                    </option>
                  ))}
                </select>
              </td>
              <td>
                {ROLES.map((role) => (
                  <label key={role} className="inline small">
                    <input
                      type="checkbox"
                      checked={user.roles.includes(role)}
                      onChange={(event) => {
                        const roles = event.target.checked
                          ? [...user.roles, role]
                          : user.roles.filter((r) => r !== role);
                        if (roles.length > 0) change.mutate({ id: user.id, body: { roles } });
                      }}
                    />
                    {t(`common:role.${role}`)}
                  </label>
                ))}
              </td>
              <td>
                <input
                  type="checkbox"
                  aria-label={t('users.activeOf', { name: user.name })}
                  checked={user.active}
                  onChange={(event) => change.mutate({ id: user.id, body: { active: event.target.checked } })}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form className="form-grid two" onSubmit={submit}>
        <h3>{t('users.add')}</h3>
        <label>
          {t('users.name')}
          <input
            required
            value={form.name}
            onChange={(event) => setForm({ ...form, name: event.target.value })}
          />
        </label>
        <label>
          {t('users.email')}
          <input
            type="email"
            required
            value={form.email}
            onChange={(event) => setForm({ ...form, email: event.target.value })}
          />
        </label>
        <label>
          {t('users.password')}
          <input
            type="password"
            required
            autoComplete="new-password"
            value={form.password}
            onChange={(event) => setForm({ ...form, password: event.target.value })}
          />
        </label>
        <label>
          {t('users.businessUnit')}
          <select
            value={form.businessUnitId}
            onChange={(event) => setForm({ ...form, businessUnitId: event.target.value })}
          >
            {unitList.map((unit) => (
              <option key={unit.id} value={unit.id}>
                {unit.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('users.roles')}
          <select value={form.role} onChange={(event) => setForm({ ...form, role: event.target.value })}>
            {ROLES.map((role) => (
              <option key={role} value={role}>
                {t(`common:role.${role}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('profile.language')}
          <select value={form.locale} onChange={(event) => setForm({ ...form, locale: event.target.value })}>
            <option value="en">{t('common:languages.en')}</option>
            <option value="pl">{t('common:languages.pl')}</option>
          </select>
        </label>
        <ErrorMessage error={create.error} />
        <button type="submit" className="primary" disabled={create.isPending}>
          {t('users.add')}
        </button>
      </form>
    </section>
  );
}

interface OrgSettingsOut {
  featureRoles: string[] | null;
  timeZone: string;
  holidays: string[];
  workingHours: { days: number[]; from: string; to: string; daysOff: string[] };
  mailLimits: {
    dailyLimit: number;
    hourlyLimit: number;
    perDomainHourlyLimit: number;
    minSpacingSeconds: number;
  };
}

/** Feature access (which roles may use sequences), org time zone, holidays and mail limits. */
export function OrganisationSettings() {
  const { t } = useTranslation('settings');
  const client = useQueryClient();
  const toast = useToast();
  const settings = useQuery({
    queryKey: ['org-settings'],
    queryFn: () => api<OrgSettingsOut>('GET', '/api/admin/settings'),
  });
  const [draft, setDraft] = useState<OrgSettingsOut | null>(null);
  const [holidays, setHolidays] = useState('');
  useEffect(() => {
    if (settings.data && !draft) {
      setDraft(settings.data);
      setHolidays(settings.data.holidays.join('\n'));
    }
  }, [settings.data, draft]);
  const save = useMutation({
    mutationFn: (value: OrgSettingsOut) =>
      api<OrgSettingsOut>('PATCH', '/api/admin/settings', {
        featureRoles: value.featureRoles,
        timeZone: value.timeZone,
        holidays: holidays
          .split(/[\s,]+/)
          .map((day) => day.trim())
          .filter(Boolean),
        mailLimits: value.mailLimits,
      }),
    onSuccess: (saved) => {
      client.setQueryData(['org-settings'], saved);
      toast.show(t('saved'));
    },
  });
  if (!draft) return <ErrorMessage error={settings.error} />;
  const restricted = draft.featureRoles !== null;
  const limits = draft.mailLimits;
  return (
    <form
      className="card form-grid"
      aria-labelledby="org-title"
      onSubmit={(event) => {
        event.preventDefault();
        save.mutate(draft);
      }}
    >
      <h2 id="org-title">{t('section.organisation')}</h2>
      <fieldset>
        <legend>{t('org.featureAccess')}</legend>
        <label className="inline">
          <input
            type="checkbox"
            checked={restricted}
            onChange={(event) =>
              setDraft({ ...draft, featureRoles: event.target.checked ? ['sequence_manager'] : null })
            }
          />
          {t('org.restrict')}
        </label>
        {restricted &&
          ROLES.map((role) => (
            <label key={role} className="inline">
              <input
                type="checkbox"
                checked={draft.featureRoles?.includes(role) ?? false}
                onChange={(event) => {
                  const roles = draft.featureRoles ?? [];
                  const next = event.target.checked ? [...roles, role] : roles.filter((r) => r !== role);
                  if (next.length > 0) setDraft({ ...draft, featureRoles: next });
                }}
              />
              {t(`common:role.${role}`)}
            </label>
          ))}
      </fieldset>
      <label>
        {t('org.timeZone')}
        <select
          value={draft.timeZone}
          onChange={(event) => setDraft({ ...draft, timeZone: event.target.value })}
        >
          {timeZones().map((zone) => (
            <option key={zone} value={zone}>
              {zone}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('org.holidays')}
        <textarea
          rows={4}
          value={holidays}
          placeholder={t('profile.daysOffPlaceholder')}
          onChange={(event) => setHolidays(event.target.value)}
        />
      </label>
      <fieldset className="form-grid two">
        <legend>{t('org.mailLimits')}</legend>
        {(['dailyLimit', 'hourlyLimit', 'perDomainHourlyLimit', 'minSpacingSeconds'] as const).map((key) => (
          <label key={key}>
            {t(`org.${key}`)}
            <input
              type="number"
              min={0}
              value={limits[key]}
              onChange={(event) =>
                setDraft({ ...draft, mailLimits: { ...limits, [key]: Number(event.target.value) } })
              }
            />
          </label>
        ))}
      </fieldset>
      <ErrorMessage error={save.error} />
      <button type="submit" className="primary" disabled={save.isPending}>
        {t('common:actions.save')}
      </button>
    </form>
  );
}

/** The audit log: who changed what and when, newest first. */
export function AuditSettings() {
  const { t } = useTranslation('settings');
  const format = useFormat();
  const [resourceType, setResourceType] = useState('');
  const users = useQuery({
    queryKey: ['admin-users'],
    queryFn: () => api<Page<AdminUser>>('GET', '/api/admin/users?limit=500'),
  });
  const audit = useInfiniteQuery({
    queryKey: ['audit', resourceType],
    initialPageParam: '',
    queryFn: ({ pageParam }) =>
      api<Page<AuditEntry>>(
        'GET',
        `/api/admin/audit${query({ resourceType, cursor: pageParam, limit: 100 })}`,
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const names = new Map((users.data?.items ?? []).map((user) => [user.id, user.name]));
  const rows = audit.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <section className="card" aria-labelledby="audit-title">
      <h2 id="audit-title">{t('section.audit')}</h2>
      <label>
        {t('audit.resourceType')}
        <input value={resourceType} onChange={(event) => setResourceType(event.target.value)} />
      </label>
      <ErrorMessage error={audit.error} />
      <table className="grid" aria-label={t('section.audit')}>
        <thead>
          <tr>
            <th>{t('audit.when')}</th>
            <th>{t('audit.who')}</th>
            <th>{t('audit.action')}</th>
            <th>{t('audit.resource')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((entry) => (
            <tr key={entry.id}>
              <td>{format.dateTime(entry.at)}</td>
              <td>{entry.actorId ? (names.get(entry.actorId) ?? entry.actorId) : t('audit.system')}</td>
              <td>
                <code>{entry.action}</code>
              </td>
              <td>
                {entry.resourceType} <span className="muted small">{entry.resourceId}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {audit.hasNextPage && (
        <button type="button" onClick={() => void audit.fetchNextPage()}>
          {t('audit.more')}
        </button>
      )}
    </section>
  );
}
