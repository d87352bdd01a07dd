import * as client from 'openid-client';
import type { Config } from '../../config.ts';
import { authorizationParamsOf } from '../../domain/oauth-mail-presets.ts';
import { guardedFetch } from '../../net/guarded-fetch.ts';
import type { MailboxOauthRow } from '../../store/repos/mailbox-oauth-repo.ts';
import { decryptSecret } from '../secrets.ts';

/** The one redirect URI Stepwise registers for mailbox connections (docs/mailboxes.md). */
export function mailboxCallbackUrl(config: Pick<Config, 'publicUrl'>): string {
  return `${config.publicUrl}/api/mailboxes/oauth/callback`;
}

export type OauthClientRow = Pick<
  MailboxOauthRow,
  'preset' | 'issuer' | 'authorization_endpoint' | 'token_endpoint' | 'client_id' | 'client_secret_enc'
>;

/**
 * The provider as openid-client sees it. Presets carry their endpoints (no discovery: Microsoft's multi-tenant
 * issuer does not match its discovery document); the generic preset is discovered from its issuer. Every
 * request goes through the outbound-address guard; plain http:// only for loopback issuers.
 */
export async function oauthConfiguration(
  config: { secretKey: string; outboundAllowList: readonly string[] },
  row: OauthClientRow,
): Promise<client.Configuration> {
  const fetcher = guardedFetch({ allowList: config.outboundAllowList }) as unknown as client.CustomFetch;
  const secret = decryptSecret(config.secretKey, row.client_secret_enc);
  const insecure = new URL(row.issuer).protocol === 'http:';
  const options = { [client.customFetch]: fetcher, execute: insecure ? [client.allowInsecureRequests] : [] };
  let configuration: client.Configuration;
  if (row.authorization_endpoint && row.token_endpoint) {
    configuration = new client.Configuration(
      {
        issuer: row.issuer,
        authorization_endpoint: row.authorization_endpoint,
        token_endpoint: row.token_endpoint,
      },
      row.client_id,
      undefined,
      client.ClientSecretPost(secret),
    );
    if (insecure) client.allowInsecureRequests(configuration);
  } else {
    configuration = await client.discovery(
      new URL(row.issuer),
      row.client_id,
      undefined,
      client.ClientSecretBasic(secret),
      options,
    );
  }
  configuration[client.customFetch] = fetcher;
  return configuration;
}

export interface ConnectChecks {
  state: string;
  codeVerifier: string;
}

/** Authorization code + PKCE (S256) + state, with what the provider needs to hand out a refresh token. */
export async function connectRequest(
  configuration: client.Configuration,
  config: Pick<Config, 'publicUrl'>,
  row: Pick<MailboxOauthRow, 'preset' | 'scopes'>,
  loginHint: string | null,
): Promise<{ url: URL; checks: ConnectChecks }> {
  const codeVerifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(configuration, {
    redirect_uri: mailboxCallbackUrl(config),
    scope: row.scopes,
    response_type: 'code',
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    ...(loginHint ? { login_hint: loginHint } : {}),
    ...authorizationParamsOf(row.preset),
  });
  return { url, checks: { state, codeVerifier } };
}

export interface IssuedTokens {
  accessToken: string;
  refreshToken: string | null;
  /** Epoch ms, or null when the provider did not say. */
  expiresAt: number | null;
}

function issued(tokens: client.TokenEndpointResponse, now: number): IssuedTokens {
  return {
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token ?? null,
    expiresAt: typeof tokens.expires_in === 'number' ? now + tokens.expires_in * 1000 : null,
  };
}

export async function exchangeCode(
  configuration: client.Configuration,
  config: Pick<Config, 'publicUrl'>,
  search: string,
  checks: ConnectChecks,
  now: number,
): Promise<IssuedTokens> {
  const tokens = await client.authorizationCodeGrant(
    configuration,
    new URL(`${mailboxCallbackUrl(config)}${search}`),
    { pkceCodeVerifier: checks.codeVerifier, expectedState: checks.state },
  );
  return issued(tokens, now);
}

export async function refreshTokens(
  configuration: client.Configuration,
  refreshToken: string,
  now: number,
): Promise<IssuedTokens> {
  return issued(await client.refreshTokenGrant(configuration, refreshToken), now);
}

/** The provider refused the grant itself (revoked, expired, password changed): only a new sign-in helps. */
export function isInvalidGrant(error: unknown): boolean {
  return error instanceof client.ResponseBodyError && error.error === 'invalid_grant';
}
