import { z } from 'zod';
import { OAUTH_PRESETS, type OauthPresetName } from './oauth-mail-presets.ts';

/**
 * Organisation-level OAuth app registrations for mailboxes (issue 19, docs/mailboxes.md): an admin registers
 * the Microsoft 365, Google or generic XOAUTH2 app once; sellers then connect with one click and never see a
 * client id or secret. There is no seller-typed registration: without an organisation registration, a seller
 * cannot connect an OAuth mailbox (an admin registers one, or sellers use an SMTP mailbox).
 */
const MailServerSchema = z.strictObject({
  host: z.string().trim().min(1).max(255),
  port: z.number().int().min(1).max(65535),
  secure: z.boolean(),
});

/** An Entra ID tenant: its id (GUID), a verified domain, or `organizations` (any work account). */
const TenantSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9.-]{1,100}$/, 'A tenant id (GUID), a domain, or organizations');

const Common = {
  clientId: z.string().trim().min(1).max(500),
  /** Required on the first registration; left out on a later change, the stored secret is kept. */
  clientSecret: z.string().min(1).max(2000).optional(),
  allowedForSellers: z.boolean(),
};

export const OauthAppInputSchema = z.discriminatedUnion('preset', [
  z.strictObject({
    preset: z.literal('microsoft'),
    ...Common,
    tenant: TenantSchema.default('organizations'),
  }),
  z.strictObject({ preset: z.literal('google'), ...Common }),
  z.strictObject({
    preset: z.literal('generic'),
    ...Common,
    label: z.string().trim().min(1).max(100),
    issuer: z.url({ protocol: /^https?$/ }).max(500),
    scopes: z.string().trim().min(1).max(1000),
    smtp: MailServerSchema,
    imap: MailServerSchema.nullable().optional(),
  }),
]);
export type OauthAppInput = z.infer<typeof OauthAppInputSchema>;

/** What a mailbox connection needs from a registration (the stored row, secret still encrypted). */
export interface OauthAppSettings {
  preset: OauthPresetName;
  label: string;
  tenant: string | null;
  issuer: string | null;
  scopes: string | null;
  smtp: { host: string; port: number; secure: boolean } | null;
  imap: { host: string; port: number; secure: boolean } | null;
}

export interface OauthEndpoints {
  issuer: string;
  /** null: discovered from the issuer (generic). */
  authorizationEndpoint: string | null;
  tokenEndpoint: string | null;
  scopes: string;
  smtp: { host: string; port: number; secure: boolean };
  imap: { host: string; port: number; secure: boolean } | null;
}

/** Where a registration's sign-in happens and which servers its mailboxes use. Microsoft's tenant is in the URLs. */
export function endpointsOf(app: OauthAppSettings): OauthEndpoints {
  switch (app.preset) {
    case 'microsoft': {
      const preset = OAUTH_PRESETS.microsoft;
      const tenant = encodeURIComponent(app.tenant ?? 'organizations');
      const base = `https://login.microsoftonline.com/${tenant}`;
      return {
        issuer: `${base}/v2.0`,
        authorizationEndpoint: `${base}/oauth2/v2.0/authorize`,
        tokenEndpoint: `${base}/oauth2/v2.0/token`,
        scopes: preset.scopes,
        smtp: preset.smtp,
        imap: preset.imap,
      };
    }
    case 'google': {
      const preset = OAUTH_PRESETS.google;
      return {
        issuer: preset.issuer,
        authorizationEndpoint: preset.authorizationEndpoint,
        tokenEndpoint: preset.tokenEndpoint,
        scopes: preset.scopes,
        smtp: preset.smtp,
        imap: preset.imap,
      };
    }
    case 'generic':
      if (!app.issuer || !app.scopes || !app.smtp) throw new Error('A generic registration needs its issuer');
      return {
        issuer: app.issuer,
        authorizationEndpoint: null,
        tokenEndpoint: null,
        scopes: app.scopes,
        smtp: app.smtp,
        imap: app.imap,
      };
    default: {
      const never: never = app.preset;
      throw new Error(`Unknown preset ${String(never)}`);
    }
  }
}

/** Who may connect a mailbox through a registration: everybody when allowed for sellers, else admins only. */
export function mayConnectWith(app: { allowed_for_sellers: number }, isAdmin: boolean): boolean {
  return app.allowed_for_sellers === 1 || isAdmin;
}

/** The label on the sellers' button for a preset registration (generic ones carry their own). */
export function labelOf(preset: OauthPresetName, genericLabel: string | undefined): string {
  return preset === 'generic' ? (genericLabel ?? 'OAuth') : OAUTH_PRESETS[preset].label;
}
