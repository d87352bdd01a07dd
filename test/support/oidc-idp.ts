import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, SignJWT } from 'jose';
import Provider from 'oidc-provider';

/**
 * A real OpenID provider on loopback for the SSO tests: `oidc-provider` (a certified implementation) with one
 * confidential client and a few people. There is no login form: the interaction endpoint signs in whoever
 * `idp.nextAccount` names and grants the requested scopes, as a person clicking through would.
 */
export interface TestAccount {
  email: string;
  name: string;
  groups: string[];
  emailVerified?: boolean;
}

export interface TestIdp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  accounts: Map<string, TestAccount>;
  /** The account the next interaction signs in. */
  nextAccount: string;
  /**
   * Changes the claims of the next ID token the token endpoint answers with, re-signed with the provider's own
   * key (a provider that issued a token for another client, or a stale one); used once, then cleared.
   */
  tamperNextIdToken: ((claims: Record<string, unknown>) => Record<string, unknown>) | null;
  close(): Promise<void>;
}

/**
 * `offline`: the client may use refresh tokens (issued for every code, as `offline_access` + consent would),
 * and the provider answers token introspection and revocation (OAuth mailboxes, issue 19).
 */
export async function startTestIdp(
  redirectUri: string,
  options: { offline?: boolean; postLogoutRedirectUri?: string; noLogout?: boolean } = {},
): Promise<TestIdp> {
  const accounts = new Map<string, TestAccount>();
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const idp: TestIdp = {
    issuer,
    clientId: 'stepwise-test',
    clientSecret: 'stepwise-test-client-secret-9f8e7d6c5b4a',
    accounts,
    nextAccount: '',
    tamperNextIdToken: null,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingJwk = { ...(await exportJWK(privateKey)), kid: 'test-idp-key', alg: 'RS256', use: 'sig' };
  const provider = new Provider(issuer, {
    jwks: { keys: [signingJwk] },
    clients: [
      {
        client_id: idp.clientId,
        client_secret: idp.clientSecret,
        redirect_uris: [redirectUri],
        grant_types: options.offline ? ['authorization_code', 'refresh_token'] : ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        ...(options.postLogoutRedirectUri
          ? { post_logout_redirect_uris: [options.postLogoutRedirectUri] }
          : {}),
      },
    ],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'groups'] },
    // The ID token carries the scopes' claims (as Entra ID and Google do), not only `sub`.
    conformIdTokenClaims: false,
    features: {
      devInteractions: { enabled: false },
      // RP-initiated logout (end_session_endpoint) is on unless the test wants a provider without it.
      rpInitiatedLogout: { enabled: !options.noLogout },
      ...(options.offline ? { introspection: { enabled: true }, revocation: { enabled: true } } : {}),
    },
    ...(options.offline ? { issueRefreshToken: async () => true } : {}),
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    cookies: { keys: ['test-idp-cookie-key'] },
    findAccount: async (_ctx: unknown, sub: string) => {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        claims: async () => ({
          sub,
          email: account.email,
          email_verified: account.emailVerified ?? true,
          name: account.name,
          groups: account.groups,
        }),
      };
    },
  });
  const handle = provider.callback();
  server.on('request', (req, res) => {
    const tamper = idp.tamperNextIdToken;
    if (tamper && req.method === 'POST' && req.url === '/token') {
      idp.tamperNextIdToken = null;
      const end = res.end.bind(res) as (body: string) => void;
      (res as { end: unknown }).end = (body: Buffer | string) => {
        void (async () => {
          const answer = JSON.parse(String(body)) as { id_token?: string };
          if (answer.id_token) {
            const header = decodeProtectedHeader(answer.id_token);
            const claims = tamper({ ...decodeJwt(answer.id_token) });
            answer.id_token = await new SignJWT(claims)
              .setProtectedHeader({ alg: 'RS256', kid: header.kid ?? 'test-idp-key' })
              .sign(await importJWK(signingJwk, 'RS256'));
          }
          res.removeHeader('content-length');
          end(JSON.stringify(answer));
        })();
        return res;
      };
      return handle(req, res);
    }
    if (!req.url?.startsWith('/interaction/')) return handle(req, res);
    void (async () => {
      const details = await provider.interactionDetails(req, res);
      if (details.prompt.name === 'login') {
        await provider.interactionFinished(
          req,
          res,
          { login: { accountId: idp.nextAccount } },
          { mergeWithLastSubmission: false },
        );
        return;
      }
      const grant = new provider.Grant({
        accountId: details.session?.accountId ?? idp.nextAccount,
        clientId: idp.clientId,
      });
      grant.addOIDCScope(String(details.params.scope));
      await provider.interactionFinished(
        req,
        res,
        { consent: { grantId: await grant.save() } },
        { mergeWithLastSubmission: true },
      );
    })().catch((error: unknown) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  });
  return idp;
}

/**
 * Follows the provider's redirects over real HTTP as a browser would (keeping its cookies) until it sends the
 * browser back to `stopAt`; returns that URL (the callback with `code` and `state`).
 */
export async function followToCallback(startLocation: string, stopAt: string): Promise<URL> {
  const jar = new Map<string, string>();
  let location = startLocation;
  for (let hop = 0; hop < 20; hop++) {
    if (location.startsWith(stopAt)) return new URL(location);
    const response = await fetch(location, {
      redirect: 'manual',
      headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      jar.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1));
    }
    const next = response.headers.get('location');
    if (!next)
      throw new Error(`The provider stopped at ${location}: ${response.status} ${await response.text()}`);
    location = new URL(next, location).href;
  }
  throw new Error('Too many redirects');
}

/**
 * Follows a sign-out URL at the provider as a browser would: the provider's confirmation form is submitted
 * ("yes, sign me out"); returns where the provider sends the browser afterwards.
 */
export async function followSignOut(signOutUrl: string): Promise<string> {
  const page = await fetch(signOutUrl, { redirect: 'manual' });
  const html = await page.text();
  if (page.status !== 200) throw new Error(`The provider refused the sign-out: ${page.status} ${html}`);
  const action = /action="([^"]+)"/.exec(html)?.[1];
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1];
  if (!action || !xsrf) throw new Error(`No sign-out form: ${html}`);
  const cookie = page.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .join('; ');
  const confirmed = await fetch(new URL(action, signOutUrl), {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ xsrf, logout: 'yes' }).toString(),
  });
  const location = confirmed.headers.get('location');
  if (!location)
    throw new Error(`The provider did not redirect: ${confirmed.status} ${await confirmed.text()}`);
  return location;
}
