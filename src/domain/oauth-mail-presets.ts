/**
 * OAuth mailbox presets (issue 19): where a provider's authorization and token endpoints are, which scopes give
 * SMTP and IMAP access with XOAUTH2, and its mail servers. Pure data. The generic preset has none of these: the
 * seller types the issuer (endpoints are discovered), scopes and servers, and the servers go through the
 * outbound-address guard like any typed mailbox server.
 */
export type OauthPresetName = 'microsoft' | 'google' | 'generic';

export interface MailServer {
  host: string;
  port: number;
  /** true: TLS from the first byte (465/993); false: STARTTLS (587). */
  secure: boolean;
}

export interface OauthPreset {
  label: string;
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  scopes: string;
  /** Extra authorization parameters the provider needs to hand out a refresh token. */
  authorizationParams: Record<string, string>;
  smtp: MailServer;
  imap: MailServer;
}

export const OAUTH_PRESETS: Readonly<Record<Exclude<OauthPresetName, 'generic'>, OauthPreset>> = {
  microsoft: {
    label: 'Microsoft 365',
    issuer: 'https://login.microsoftonline.com/common/v2.0',
    authorizationEndpoint: 'https://login.microsoftonline.com/common/oauth2/v2.0/authorize',
    tokenEndpoint: 'https://login.microsoftonline.com/common/oauth2/v2.0/token',
    scopes:
      'https://outlook.office.com/SMTP.Send https://outlook.office.com/IMAP.AccessAsUser.All offline_access',
    // offline_access in the scopes is what gives Microsoft's refresh token.
    authorizationParams: {},
    smtp: { host: 'smtp.office365.com', port: 587, secure: false },
    imap: { host: 'outlook.office365.com', port: 993, secure: true },
  },
  google: {
    label: 'Google',
    issuer: 'https://accounts.google.com',
    authorizationEndpoint: 'https://accounts.google.com/o/oauth2/v2/auth',
    tokenEndpoint: 'https://oauth2.googleapis.com/token',
    scopes: 'https://mail.google.com/',
    // Google gives a refresh token only with access_type=offline, and again on a reconnect only with consent.
    authorizationParams: { access_type: 'offline', prompt: 'consent' },
    smtp: { host: 'smtp.gmail.com', port: 465, secure: true },
    imap: { host: 'imap.gmail.com', port: 993, secure: true },
  },
};

/** Generic providers (oidc-provider, Keycloak …) hand out refresh tokens for offline_access with consent. */
export const GENERIC_AUTHORIZATION_PARAMS: Readonly<Record<string, string>> = { prompt: 'consent' };

export function authorizationParamsOf(preset: OauthPresetName): Record<string, string> {
  switch (preset) {
    case 'microsoft':
    case 'google':
      return { ...OAUTH_PRESETS[preset].authorizationParams };
    case 'generic':
      return { ...GENERIC_AUTHORIZATION_PARAMS };
    default: {
      const never: never = preset;
      throw new Error(`Unknown preset ${String(never)}`);
    }
  }
}

/** The hold reason of automated emails while their mailbox needs reconnecting (matched when releasing them). */
export const RECONNECT_HOLD_REASON =
  'The mailbox needs reconnecting (its OAuth sign-in was revoked or expired)';

/** Refresh this long before the access token expires, so a token never runs out mid-send. */
export const REFRESH_MARGIN_MS = 5 * 60_000;

export function needsRefresh(expiresAt: number | null, now: number): boolean {
  return expiresAt === null || expiresAt - REFRESH_MARGIN_MS <= now;
}
