import { z } from 'zod';
import { type Role, RoleSchema } from './identity.ts';

/**
 * Single sign-on with OpenID Connect (docs/sso.md): what an organisation configures, and who a verified ID token
 * becomes. Pure: the routes do discovery, the code exchange and ID-token validation with openid-client, then ask
 * `decideSsoSignIn` what to do with the claims.
 */

const DomainSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?=.{1,253}$)([a-z0-9-]{1,63}\.)+[a-z]{2,63}$/, 'Use a domain such as example.com');

export const GroupMappingSchema = z.strictObject({
  group: z.string().trim().min(1).max(200),
  role: RoleSchema,
  businessUnitId: z.string().min(1).max(100),
});
export type GroupMapping = z.infer<typeof GroupMappingSchema>;

const IssuerSchema = z
  .url('Use the issuer URL, e.g. https://login.microsoftonline.com/<tenant>/v2.0')
  .max(500)
  .refine((value) => /^https?:\/\//.test(value), 'Use an https:// issuer URL')
  .transform((value) => value.replace(/\/$/, ''));

export const SsoProviderInputSchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  issuer: IssuerSchema,
  clientId: z.string().trim().min(1).max(500),
  clientSecret: z.string().min(1).max(2000),
  allowedDomains: z
    .array(DomainSchema)
    .min(1, 'Give at least one email domain')
    .max(50)
    .transform((domains) => [...new Set(domains)]),
  defaultBusinessUnitId: z.string().min(1).max(100),
  defaultRole: RoleSchema,
  groupsClaim: z.string().trim().min(1).max(100).nullable().default(null),
  groupMappings: z.array(GroupMappingSchema).max(100).default([]),
  enforce: z.boolean().default(false),
});
export type SsoProviderInput = z.infer<typeof SsoProviderInputSchema>;

/** A change: every field optional and without defaults (an absent field keeps its value; so does the secret). */
export const SsoProviderPatchSchema = z.strictObject({
  name: SsoProviderInputSchema.shape.name.optional(),
  issuer: IssuerSchema.optional(),
  clientId: SsoProviderInputSchema.shape.clientId.optional(),
  clientSecret: SsoProviderInputSchema.shape.clientSecret.optional(),
  allowedDomains: SsoProviderInputSchema.shape.allowedDomains.optional(),
  defaultBusinessUnitId: SsoProviderInputSchema.shape.defaultBusinessUnitId.optional(),
  defaultRole: RoleSchema.optional(),
  groupsClaim: z.string().trim().min(1).max(100).nullable().optional(),
  groupMappings: z.array(GroupMappingSchema).max(100).optional(),
  enforce: z.boolean().optional(),
});
export type SsoProviderPatch = z.infer<typeof SsoProviderPatchSchema>;

/** Plain http:// issuers are accepted only on the machine itself (a local Keycloak while trying things out). */
export function issuerTransportProblem(issuer: string): string | null {
  const url = new URL(issuer);
  if (url.protocol === 'https:') return null;
  if (['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) return null;
  return 'Use an https:// issuer URL (http:// only for localhost)';
}

export interface SsoPolicy {
  allowedDomains: readonly string[];
  defaultBusinessUnitId: string;
  defaultRole: Role;
  groupsClaim: string | null;
  groupMappings: readonly GroupMapping[];
}

export interface ExistingUser {
  orgId: string;
  id: string;
  active: boolean;
  roles: readonly Role[];
  businessUnitId: string;
}

/** The unit and role the groups claim maps to: the first matching mapping, else the defaults. */
export interface Assignment {
  businessUnitId: string;
  roles: Role[];
}

export type SsoDecision =
  | { kind: 'sign_in'; userId: string; reassign: Assignment | null }
  | { kind: 'create'; email: string; name: string; businessUnitId: string; roles: Role[] }
  | { kind: 'refuse'; code: SsoRefusal; message: string };

export type SsoRefusal =
  | 'sso_email_missing'
  | 'sso_email_unverified'
  | 'sso_domain_not_allowed'
  | 'sso_user_inactive'
  | 'sso_user_other_org';

/** Group names from a claim value: an array of strings, or one string. */
export function groupsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  return [];
}

/**
 * Who the verified claims become in `orgId`: an existing user there signs in; an unknown email from an allowed
 * domain is created (just in time) in the unit and with the role of the first mapping whose group the token
 * carries, else the defaults; anything else is refused with a reason the person can act on.
 */
export function decideSsoSignIn(
  orgId: string,
  policy: SsoPolicy,
  claims: Record<string, unknown>,
  existing: ExistingUser | undefined,
): SsoDecision {
  const email = typeof claims.email === 'string' ? claims.email.trim().toLowerCase() : '';
  if (!email.includes('@'))
    return {
      kind: 'refuse',
      code: 'sso_email_missing',
      message: 'The identity provider sent no email address',
    };
  if (claims.email_verified === false)
    return {
      kind: 'refuse',
      code: 'sso_email_unverified',
      message: `The identity provider has not verified ${email}`,
    };
  const domain = email.slice(email.lastIndexOf('@') + 1);
  if (!policy.allowedDomains.includes(domain))
    return {
      kind: 'refuse',
      code: 'sso_domain_not_allowed',
      message: `Email addresses at ${domain} may not sign in to this organisation`,
    };
  if (existing) {
    if (existing.orgId !== orgId)
      return {
        kind: 'refuse',
        code: 'sso_user_other_org',
        message: `${email} belongs to another organisation`,
      };
    if (!existing.active)
      return { kind: 'refuse', code: 'sso_user_inactive', message: `The account ${email} is deactivated` };
    return { kind: 'sign_in', userId: existing.id, reassign: reassignment(policy, claims, existing) };
  }
  const name = typeof claims.name === 'string' && claims.name.trim() ? claims.name.trim() : email;
  return { kind: 'create', email, name: name.slice(0, 200), ...assignmentFor(policy, claims) };
}

function assignmentFor(policy: SsoPolicy, claims: Record<string, unknown>): Assignment {
  const groups = policy.groupsClaim ? groupsOf(claims[policy.groupsClaim]) : [];
  const mapping = policy.groupMappings.find((candidate) => groups.includes(candidate.group));
  return {
    businessUnitId: mapping?.businessUnitId ?? policy.defaultBusinessUnitId,
    roles: [mapping?.role ?? policy.defaultRole],
  };
}

/**
 * On a later sign-in the provider's groups decide again, so a person moved between groups gets the new unit and
 * role: only when the organisation maps groups and the token carries the groups claim (a provider that leaves it
 * out changes nothing), and never for an admin (the break-glass account is not demoted by a group change).
 */
function reassignment(
  policy: SsoPolicy,
  claims: Record<string, unknown>,
  existing: ExistingUser,
): Assignment | null {
  if (existing.roles.includes('admin')) return null;
  if (!policy.groupsClaim || policy.groupMappings.length === 0 || !(policy.groupsClaim in claims))
    return null;
  const target = assignmentFor(policy, claims);
  const sameRoles =
    target.roles.length === existing.roles.length &&
    target.roles.every((role) => existing.roles.includes(role));
  return sameRoles && target.businessUnitId === existing.businessUnitId ? null : target;
}
