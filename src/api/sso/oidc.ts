import * as client from 'openid-client';
import type { Config } from '../../config.ts';
import { decryptSecret } from '../../mail/secrets.ts';
import { guardedFetch } from '../../net/guarded-fetch.ts';
import { OutboundAddressRefused } from '../../net/outbound-address.ts';
import type { SsoProviderRow } from '../../store/repos/sso-repo.ts';

/** The one redirect URI Stepwise registers with every provider (docs/sso.md). */
export function callbackUrl(config: Pick<Config, 'publicUrl'>): string {
  return `${config.publicUrl}/api/auth/sso/callback`;
}

/**
 * Discovers the provider (`<issuer>/.well-known/openid-configuration`) with openid-client. Every request the
 * client makes — discovery, token exchange, signing keys — goes through the outbound-address guard
 * (src/net/outbound-address.ts), so an issuer on a private address is refused unless OUTBOUND_ALLOW_HOSTS
 * allows it. Plain http:// is accepted only for loopback issuers (the schema refuses it elsewhere).
 */
export async function discoverProvider(
  config: Pick<Config, 'secretKey' | 'outboundAllowList'>,
  provider: Pick<SsoProviderRow, 'issuer' | 'client_id' | 'client_secret_enc'>,
): Promise<client.Configuration> {
  const fetcher = guardedFetch({ allowList: config.outboundAllowList }) as unknown as client.CustomFetch;
  const secret = decryptSecret(config.secretKey, provider.client_secret_enc);
  const insecure = new URL(provider.issuer).protocol === 'http:';
  const configuration = await client
    .discovery(new URL(provider.issuer), provider.client_id, undefined, client.ClientSecretBasic(secret), {
      [client.customFetch]: fetcher,
      execute: insecure ? [client.allowInsecureRequests] : [],
    })
    .catch((error: unknown) => {
      // openid-client wraps what the fetch threw; the guard's refusal is what the admin needs to see.
      throw causeOfType(error, OutboundAddressRefused) ?? error;
    });
  configuration[client.customFetch] = fetcher;
  return configuration;
}

export interface LoginChecks {
  providerId: string;
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** The authorization URL (code flow, PKCE S256, state, nonce) and the checks to keep for the callback. */
export async function authorizationRequest(
  configuration: client.Configuration,
  config: Pick<Config, 'publicUrl'>,
  providerId: string,
): Promise<{ url: URL; checks: LoginChecks }> {
  const codeVerifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(configuration, {
    redirect_uri: callbackUrl(config),
    scope: 'openid email profile',
    response_type: 'code',
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  return { url, checks: { providerId, state, nonce, codeVerifier } };
}

/** Exchanges the code and validates the ID token (issuer, audience, signature, expiry, nonce); its claims. */
export async function completeSignIn(
  configuration: client.Configuration,
  config: Pick<Config, 'publicUrl'>,
  search: string,
  checks: LoginChecks,
): Promise<{ claims: Record<string, unknown>; idToken: string }> {
  const tokens = await client.authorizationCodeGrant(
    configuration,
    new URL(`${callbackUrl(config)}${search}`),
    {
      pkceCodeVerifier: checks.codeVerifier,
      expectedState: checks.state,
      expectedNonce: checks.nonce,
      idTokenExpected: true,
    },
  );
  const claims = tokens.claims();
  if (!claims || !tokens.id_token) throw new Error('The provider sent no ID token');
  return { claims: { ...claims }, idToken: tokens.id_token };
}

function causeOfType<T>(error: unknown, type: new (...args: never[]) => T): T | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (current instanceof type) return current;
    current = current.cause;
  }
  return undefined;
}

/**
 * A readable reason for a refused answer: openid-client's message plus the claim or error code behind it
 * ("unexpected JWT claim value encountered (nonce)", "invalid_grant: grant request is invalid").
 */
export function describeOidcError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const details: string[] = [];
  const withCode = error as Error & { error?: unknown; error_description?: unknown };
  if (typeof withCode.error === 'string') details.push(withCode.error);
  if (typeof withCode.error_description === 'string') details.push(withCode.error_description);
  // The claim that failed, or the network error, sits a few causes down (openid-client wraps its errors).
  let cause: unknown = error.cause;
  for (let depth = 0; depth < 4 && cause && typeof cause === 'object'; depth++) {
    const claim = (cause as { claim?: unknown }).claim;
    const code = (cause as { code?: unknown }).code;
    if (typeof claim === 'string') {
      details.push(`claim: ${claim}`);
      break;
    }
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
      details.push(code);
      break;
    }
    cause = (cause as { cause?: unknown }).cause;
  }
  return details.length > 0 ? `${error.message} (${details.join(', ')})` : error.message;
}
