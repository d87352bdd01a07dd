import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ErrorCode } from '../../domain/error-codes.ts';
import { INHERITED_WORKING_HOURS } from '../../domain/identity.ts';
import { type Assignment, decideSsoSignIn, type ExistingUser, type GroupMapping } from '../../domain/sso.ts';
import { onUserChanged } from '../../engine/user-changes.ts';
import { signToken, verifyToken } from '../../mail/secrets.ts';
import { OutboundAddressRefused } from '../../net/outbound-address.ts';
import { newId } from '../../store/ids.ts';
import { insertUser, setRoles, updateUserRow } from '../../store/repos/admin-repo.ts';
import { recordAudit } from '../../store/repos/audit-repo.ts';
import { findUserByEmail, rolesOf } from '../../store/repos/identity-repo.ts';
import { receivedByOtherOrg } from '../../store/repos/inbound-recipient-repo.ts';
import { findSsoProviderById, listAllSsoProviders, type SsoProviderRow } from '../../store/repos/sso-repo.ts';
import type { ApiApp } from '../app.ts';
import { startSession } from '../auth/session-start.ts';
import type { AppDeps } from '../deps.ts';
import { HttpProblem, ProblemSchema } from '../problems.ts';
import {
  authorizationRequest,
  completeSignIn,
  describeOidcError,
  discoverProvider,
  type LoginChecks,
} from '../sso/oidc.ts';
import { rememberSsoSession } from '../sso/sign-out.ts';

/**
 * Single sign-on with OpenID Connect (docs/sso.md). `start` sends the browser to the provider with a fresh
 * state, nonce and PKCE verifier, kept in a signed HTTP-only cookie; `callback` checks them, exchanges the code,
 * validates the ID token, finds or creates the user (src/domain/sso.ts) and starts the same session as password
 * sign-in. Every refusal is a problem+json answer and an audit entry in the provider's organisation.
 */
const SSO_COOKIE = 'sw_sso';
const SSO_PATH = '/api/auth/sso';
const COOKIE_PURPOSE = 'sso-login';
const LOGIN_WINDOW_MS = 10 * 60_000;

const IdParams = z.strictObject({ id: z.string().min(1).max(100) });
const CallbackQuery = z.object({
  code: z.string().max(4000).optional(),
  state: z.string().max(500).optional(),
  error: z.string().max(200).optional(),
  error_description: z.string().max(1000).optional(),
});

export async function ssoRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  const refuse = async (provider: SsoProviderRow, code: ErrorCode, message: string, status = 400) => {
    await recordAudit(deps.store.db, {
      orgId: provider.org_id,
      actorId: null,
      action: 'sso.sign_in_refused',
      resourceType: 'sso_provider',
      resourceId: provider.id,
      after: { code, message },
      at: deps.clock.now(),
    });
    return new HttpProblem(status, code, message);
  };

  app.get(
    '/api/auth/sso/providers',
    {
      schema: {
        tags: ['auth'],
        summary: 'The single sign-on providers the sign-in page offers ("Sign in with <name>")',
        response: {
          200: z.object({
            items: z.array(z.object({ id: z.string(), name: z.string(), startUrl: z.string() })),
          }),
        },
      },
    },
    async () => ({
      items: (await listAllSsoProviders(deps.store.db)).map((p) => ({
        id: p.id,
        name: p.name,
        startUrl: `${SSO_PATH}/${p.id}/start`,
      })),
    }),
  );

  app.get(
    '/api/auth/sso/:id/start',
    {
      schema: {
        tags: ['auth'],
        summary: 'Start single sign-on: redirects to the identity provider',
        params: IdParams,
        response: { 302: z.null(), 303: z.null(), 404: ProblemSchema, 502: ProblemSchema },
      },
      config: { rateLimit: { max: 30, timeWindow: '1 minute' } },
    },
    async (request, reply) =>
      browserFriendly(request, reply, async () => {
        const provider = await findSsoProviderById(deps.store.db, request.params.id);
        if (!provider) throw new HttpProblem(404, 'not_found', 'No such sign-in provider');
        const configuration = await discoverOrFail(deps, provider);
        const { url, checks } = await authorizationRequest(configuration, deps.config, provider.id);
        const payload = { ...checks, expiresAt: String(deps.clock.now() + LOGIN_WINDOW_MS) };
        reply.setCookie(SSO_COOKIE, signToken(deps.config.secretKey, COOKIE_PURPOSE, payload), {
          path: SSO_PATH,
          httpOnly: true,
          // Lax: the provider's redirect back is a top-level GET from another site, which must carry it.
          sameSite: 'lax',
          secure: deps.config.cookieSecure,
          maxAge: LOGIN_WINDOW_MS / 1000,
        });
        reply.header('cache-control', 'no-store');
        return reply.redirect(url.href, 302);
      }),
  );

  app.get(
    '/api/auth/sso/callback',
    {
      schema: {
        tags: ['auth'],
        summary: 'Where the identity provider sends the browser back; signs in and redirects to the app',
        querystring: CallbackQuery,
        response: { 303: z.null(), 400: ProblemSchema, 403: ProblemSchema, 502: ProblemSchema },
      },
      config: { rateLimit: { max: 30, timeWindow: '1 minute' } },
    },
    async (request, reply) =>
      browserFriendly(request, reply, async () => {
        const raw = request.cookies[SSO_COOKIE];
        // One attempt per start: the cookie goes whatever happens next, so a replayed callback finds none.
        reply.clearCookie(SSO_COOKIE, { path: SSO_PATH });
        const checks = raw
          ? readChecks(verifyToken(deps.config.secretKey, COOKIE_PURPOSE, raw), deps.clock.now())
          : null;
        if (!checks)
          throw new HttpProblem(
            400,
            'sso_state_missing',
            'This sign-in link has expired or was already used: start again from the sign-in page',
          );
        const provider = await findSsoProviderById(deps.store.db, checks.providerId);
        if (!provider)
          throw new HttpProblem(400, 'sso_state_missing', 'This sign-in provider no longer exists');
        const query = request.query;
        if (query.state !== checks.state)
          throw await refuse(
            provider,
            'sso_state_mismatch',
            'The sign-in answer does not belong to this browser',
          );
        if (query.error)
          throw await refuse(
            provider,
            'sso_provider_error',
            `${provider.name} refused the sign-in: ${query.error_description ?? query.error}`,
            403,
          );
        const configuration = await discoverOrFail(deps, provider);
        const search = request.url.slice(request.url.indexOf('?'));
        let claims: Record<string, unknown>;
        let idToken: string;
        try {
          ({ claims, idToken } = await completeSignIn(configuration, deps.config, search, checks));
        } catch (error) {
          throw await refuse(
            provider,
            'sso_token_invalid',
            `${provider.name}'s answer was refused: ${describeOidcError(error)}`,
          );
        }
        const email = typeof claims.email === 'string' ? claims.email : '';
        const user = email ? await findUserByEmail(deps.store.db, email) : undefined;
        const existing = user && {
          orgId: user.org_id,
          id: user.id,
          active: user.active === 1,
          roles: await rolesOf(deps.store.db, user.org_id, user.id),
          businessUnitId: user.business_unit_id,
        };
        const decision = decideSsoSignIn(
          provider.org_id,
          {
            allowedDomains: JSON.parse(provider.allowed_domains_json) as string[],
            defaultBusinessUnitId: provider.default_business_unit_id,
            defaultRole: provider.default_role,
            groupsClaim: provider.groups_claim,
            groupMappings: JSON.parse(provider.group_mappings_json) as GroupMapping[],
          },
          claims,
          existing,
        );
        let userId: string;
        switch (decision.kind) {
          case 'refuse':
            throw await refuse(provider, decision.code, decision.message, 403);
          case 'sign_in':
            userId = decision.userId;
            if (decision.reassign && existing)
              await reassign(deps, provider, userId, existing, decision.reassign);
            break;
          case 'create': {
            // A sign-in address receives mail too (inbound SMTP): not one another organisation's mailbox uses.
            if (await receivedByOtherOrg(deps.store.db, provider.org_id, decision.email)) {
              throw await refuse(
                provider,
                'sso_user_other_org',
                'Your email address receives mail for another organisation on this server',
                403,
              );
            }
            const now = deps.clock.now();
            userId = newId(now);
            const created = { ...decision, userId };
            await deps.store.db.transaction().execute(async (trx) => {
              await insertUser(trx, {
                orgId: provider.org_id,
                id: created.userId,
                email: created.email,
                name: created.name,
                // Not an argon2 hash: no password can ever match it.
                passwordHash: 'sso-only',
                businessUnitId: created.businessUnitId,
                roles: created.roles,
                locale: 'en',
                timeZone: null,
                workingHoursJson: INHERITED_WORKING_HOURS,
                now,
              });
              await recordAudit(trx, {
                orgId: provider.org_id,
                actorId: null,
                action: 'user.created_by_sso',
                resourceType: 'user',
                resourceId: created.userId,
                after: {
                  email: created.email,
                  businessUnitId: created.businessUnitId,
                  roles: created.roles,
                  provider: provider.id,
                },
                at: now,
              });
            });
            break;
          }
          default: {
            const unreachable: never = decision;
            throw new Error(`Unknown decision ${JSON.stringify(unreachable)}`);
          }
        }
        await startSession(deps, reply, provider.org_id, userId);
        rememberSsoSession(deps, reply, { providerId: provider.id, userId, idToken });
        reply.header('cache-control', 'no-store');
        return reply.redirect('/', 303);
      }),
  );
}

/** The unit and role the provider's groups now map to, for a person who signs in again (audited). */
async function reassign(
  deps: AppDeps,
  provider: SsoProviderRow,
  userId: string,
  before: Pick<ExistingUser, 'businessUnitId' | 'roles'>,
  target: Assignment,
) {
  const now = deps.clock.now();
  await deps.store.db.transaction().execute(async (trx) => {
    await updateUserRow(trx, provider.org_id, userId, { business_unit_id: target.businessUnitId });
    await setRoles(trx, provider.org_id, userId, target.roles);
    // Steps handed to them of records they may no longer work on go back to the records' owners.
    await onUserChanged(trx, { orgId: provider.org_id, userId, actorId: null, now });
    await recordAudit(trx, {
      orgId: provider.org_id,
      actorId: null,
      action: 'user.updated_by_sso',
      resourceType: 'user',
      resourceId: userId,
      before: { businessUnitId: before.businessUnitId, roles: before.roles },
      after: { businessUnitId: target.businessUnitId, roles: target.roles, provider: provider.id },
      at: now,
    });
  });
}

/**
 * A browser (it asks for HTML) that cannot be signed in goes back to the sign-in page, which shows the reason
 * (`/?ssoError=<code>`); API clients get the problem+json answer.
 */
async function browserFriendly(
  request: FastifyRequest,
  reply: FastifyReply,
  handle: () => Promise<FastifyReply>,
): Promise<FastifyReply> {
  try {
    return await handle();
  } catch (error) {
    if (!(error instanceof HttpProblem) || !request.headers.accept?.includes('text/html')) throw error;
    reply.header('cache-control', 'no-store');
    return reply.redirect(`/?ssoError=${encodeURIComponent(error.code)}`, 303);
  }
}

function readChecks(payload: Record<string, string> | null, now: number): LoginChecks | null {
  if (!payload) return null;
  const { providerId, state, nonce, codeVerifier, expiresAt } = payload;
  if (!providerId || !state || !nonce || !codeVerifier || !(Number(expiresAt) > now)) return null;
  return { providerId, state, nonce, codeVerifier };
}

async function discoverOrFail(deps: AppDeps, provider: SsoProviderRow) {
  try {
    return await discoverProvider(deps.config, provider);
  } catch (error) {
    if (error instanceof OutboundAddressRefused) throw new HttpProblem(502, error.code, error.message);
    throw new HttpProblem(
      502,
      'sso_provider_unreachable',
      `${provider.name} could not be reached at ${provider.issuer}: ${describeOidcError(error)}`,
    );
  }
}
