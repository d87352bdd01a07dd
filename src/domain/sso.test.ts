import { describe, expect, it } from 'vitest';
import {
  decideSsoSignIn,
  issuerTransportProblem,
  type SsoPolicy,
  SsoProviderInputSchema,
  SsoProviderPatchSchema,
} from './sso.ts';

const policy: SsoPolicy = {
  allowedDomains: ['acme.test'],
  defaultBusinessUnitId: 'bu-default',
  defaultRole: 'seller',
  groupsClaim: 'groups',
  groupMappings: [
    { group: 'managers', role: 'sales_manager', businessUnitId: 'bu-west' },
    { group: 'admins', role: 'admin', businessUnitId: 'bu-hq' },
  ],
};

describe('who a verified ID token becomes', () => {
  it('creates an unknown person in the unit and role of the first mapping their groups match', () => {
    expect(
      decideSsoSignIn(
        'org',
        policy,
        { email: 'Ann@ACME.test', name: 'Ann', groups: ['admins', 'managers'] },
        undefined,
      ),
    ).toEqual({
      kind: 'create',
      email: 'ann@acme.test',
      name: 'Ann',
      businessUnitId: 'bu-west',
      roles: ['sales_manager'],
    });
  });

  it('falls back to the defaults without a matching group, a groups claim, or a name', () => {
    expect(
      decideSsoSignIn('org', policy, { email: 'bo@acme.test', groups: 'staff' }, undefined),
    ).toMatchObject({
      kind: 'create',
      name: 'bo@acme.test',
      businessUnitId: 'bu-default',
      roles: ['seller'],
    });
    expect(
      decideSsoSignIn(
        'org',
        { ...policy, groupsClaim: null },
        { email: 'c@acme.test', groups: ['admins'] },
        undefined,
      ),
    ).toMatchObject({ roles: ['seller'] });
  });

  it('signs an existing active user of the organisation in as themselves', () => {
    expect(
      decideSsoSignIn(
        'org',
        policy,
        { email: 'ann@acme.test' },
        { orgId: 'org', id: 'u1', active: true, roles: ['seller'], businessUnitId: 'bu' },
      ),
    ).toEqual({ kind: 'sign_in', userId: 'u1', reassign: null });
  });

  it('maps the groups again on a later sign-in, but never demotes an admin or acts without the claim', () => {
    const seller = {
      orgId: 'org',
      id: 'u1',
      active: true,
      roles: ['seller'],
      businessUnitId: 'bu-default',
    } as const;
    expect(decideSsoSignIn('org', policy, { email: 'ann@acme.test', groups: ['managers'] }, seller)).toEqual({
      kind: 'sign_in',
      userId: 'u1',
      reassign: { businessUnitId: 'bu-west', roles: ['sales_manager'] },
    });
    const manager = { ...seller, roles: ['sales_manager'], businessUnitId: 'bu-west' } as const;
    expect(
      decideSsoSignIn('org', policy, { email: 'ann@acme.test', groups: ['staff'] }, manager),
    ).toMatchObject({
      reassign: { businessUnitId: 'bu-default', roles: ['seller'] },
    });
    expect(
      decideSsoSignIn('org', policy, { email: 'ann@acme.test', groups: ['managers'] }, manager),
    ).toMatchObject({
      reassign: null,
    });
    expect(decideSsoSignIn('org', policy, { email: 'ann@acme.test' }, manager)).toMatchObject({
      reassign: null,
    });
    const admin = { ...seller, roles: ['admin'], businessUnitId: 'bu-hq' } as const;
    expect(
      decideSsoSignIn('org', policy, { email: 'ann@acme.test', groups: ['staff'] }, admin),
    ).toMatchObject({
      reassign: null,
    });
  });

  it.each([
    [{ name: 'no email' }, undefined, 'sso_email_missing'],
    [{ email: 'ann@acme.test', email_verified: false }, undefined, 'sso_email_unverified'],
    [{ email: 'ann@acme.test.evil.com' }, undefined, 'sso_domain_not_allowed'],
    [{ email: 'ann@sub.acme.test' }, undefined, 'sso_domain_not_allowed'],
    [
      { email: 'ann@acme.test' },
      { orgId: 'other-org', id: 'u1', active: true, roles: ['seller'], businessUnitId: 'bu' },
      'sso_user_other_org',
    ],
    [
      { email: 'ann@acme.test' },
      { orgId: 'org', id: 'u1', active: false, roles: ['seller'], businessUnitId: 'bu' },
      'sso_user_inactive',
    ],
  ] as const)('refuses %j (existing: %j) with %s', (claims, existing, code) => {
    expect(decideSsoSignIn('org', policy, claims, existing)).toMatchObject({ kind: 'refuse', code });
  });
});

describe('provider configuration', () => {
  it('lower-cases and de-duplicates domains, drops the issuer’s trailing slash, refuses a bad domain', () => {
    const base = {
      name: 'Acme',
      issuer: 'https://id.acme.test/',
      clientId: 'c',
      clientSecret: 's',
      allowedDomains: ['Acme.test', 'acme.test'],
      defaultBusinessUnitId: 'bu',
      defaultRole: 'seller',
    };
    expect(SsoProviderInputSchema.parse(base)).toMatchObject({
      issuer: 'https://id.acme.test',
      allowedDomains: ['acme.test'],
      enforce: false,
      groupMappings: [],
    });
    expect(SsoProviderInputSchema.safeParse({ ...base, allowedDomains: ['not a domain'] }).success).toBe(
      false,
    );
  });

  it('accepts plain http only for an issuer on this machine', () => {
    expect(issuerTransportProblem('https://login.example.com')).toBeNull();
    expect(issuerTransportProblem('http://127.0.0.1:8080/realms/x')).toBeNull();
    expect(issuerTransportProblem('http://localhost:8080')).toBeNull();
    expect(issuerTransportProblem('http://keycloak.internal')).toMatch(/https/);
  });
});

describe('a provider change', () => {
  it('leaves absent fields absent (no defaults), so a rename keeps enforcement and mappings', () => {
    expect(SsoProviderPatchSchema.parse({ name: 'New name' })).toEqual({ name: 'New name' });
    expect(SsoProviderPatchSchema.parse({ enforce: true })).toEqual({ enforce: true });
  });
});
