import { createHash } from 'node:crypto';
import { z } from 'zod';
import { EmailSchema } from '../../domain/identity.ts';
import { endpointsOf, mayConnectWith } from '../../domain/oauth-apps.ts';
import { RECONNECT_HOLD_REASON } from '../../domain/oauth-mail-presets.ts';
import {
  connectRequest,
  exchangeCode,
  mailboxCallbackUrl,
  oauthConfiguration,
} from '../../mail/oauth/oauth-client.ts';
import { releaseHeld } from '../../mail/oauth/release-held.ts';
import { encryptSecret, signToken, verifyToken } from '../../mail/secrets.ts';
import { releaseSignInHolds } from '../../mail/sign-in-hold.ts';
import { OutboundAddressRefused } from '../../net/outbound-address.ts';
import { recordAudit } from '../../store/repos/audit-repo.ts';
import {
  claimPendingState,
  findMailboxOauth,
  insertMailboxOauth,
  type MailboxOauthRow,
  reconnectNeededOf,
  saveMailboxTokens,
  setPendingState,
} from '../../store/repos/mailbox-oauth-repo.ts';
import { findMailbox, insertMailbox, listMailboxes } from '../../store/repos/mailbox-repo.ts';
import { findOauthApp, appSettings as settingsOf } from '../../store/repos/oauth-apps-repo.ts';
import type { ApiApp } from '../app.ts';
import { requireActor } from '../auth/authenticate.ts';
import type { AppDeps } from '../deps.ts';
import { HttpProblem, notFoundProblem, ProblemSchema } from '../problems.ts';
import { describeOidcError } from '../sso/oidc.ts';
import { refuseFromTakenElsewhere } from './mailbox-claims.ts';

/**
 * OAuth mailboxes (issue 19, docs/mailboxes.md): a seller connects their own Microsoft 365, Google or other
 * XOAUTH2 mailbox. Creating it answers a start link; opening that link in the signed-in browser redirects to the
 * provider (code + PKCE + state, kept in a signed HTTP-only cookie); the provider sends the browser back to the
 * callback, which exchanges the code and stores the tokens encrypted. A reconnect releases the emails held while the mailbox needed it.
 */
const COOKIE = 'sw_mbox_oauth';
const COOKIE_PATH = '/api/mailboxes/oauth';
const PURPOSE = 'mailbox-oauth';
const WINDOW_MS = 10 * 60_000;

/** One click: the organisation's registration gives the app and servers; the address defaults to the user's. */
const CreateBody = z.strictObject({
  preset: z.enum(['microsoft', 'google', 'generic']),
  fromName: z.string().trim().max(200).nullable().optional(),
  fromAddress: EmailSchema.optional(),
});

/** `startUrl`: open it in the signed-in browser; it redirects to the provider (GET …/oauth/start). */
const Created = z.object({ mailboxId: z.string(), startUrl: z.string() });
const Status = z.object({
  mailboxId: z.string(),
  preset: z.enum(['microsoft', 'google', 'generic']),
  status: z.enum(['pending', 'connected', 'reconnect_needed']),
  statusReason: z.string().nullable(),
  /** Automated emails held until this mailbox is reconnected (the work-list item shows the number). */
  heldEmails: z.number().int(),
  fromAddress: z.string().nullable(),
  redirectUri: z.string(),
});
const Callback = z.object({
  code: z.string().max(4000).optional(),
  state: z.string().max(500).optional(),
  error: z.string().max(200).optional(),
});

export async function oauthMailboxRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  /** The authorization URL for `row`'s mailbox; the checks go in the signed cookie. */
  const startConnect = async (row: MailboxOauthRow, loginHint: string | null, userId: string) => {
    const configuration = await oauthConfiguration(deps.config, row).catch((error: unknown) => {
      const message = error instanceof OutboundAddressRefused ? error.message : describeOidcError(error);
      throw new HttpProblem(502, 'oauth_provider_unreachable', message);
    });
    const { url, checks } = await connectRequest(configuration, deps.config, row, loginHint);
    const key = { orgId: row.org_id, mailboxId: row.mailbox_id };
    await setPendingState(deps.store.db, key, stateHash(checks.state));
    const payload = {
      ...checks,
      orgId: row.org_id,
      mailboxId: row.mailbox_id,
      userId,
      expiresAt: String(deps.clock.now() + WINDOW_MS),
    };
    return { url: url.href, cookie: signToken(deps.config.secretKey, PURPOSE, payload) };
  };
  const cookieOptions = {
    path: COOKIE_PATH,
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: deps.config.cookieSecure,
    maxAge: WINDOW_MS / 1000,
  };

  app.post(
    '/api/mailboxes/oauth',
    {
      schema: {
        tags: ['mail'],
        summary:
          'Add your own OAuth mailbox (Microsoft 365, Google or generic XOAUTH2); answers where to sign in',
        body: CreateBody,
        response: { 201: Created, 409: ProblemSchema, 422: ProblemSchema },
      },
    },
    async (request, reply) => {
      const actor = requireActor(request);
      const body = request.body;
      const app = await findOauthApp(deps.store.db, actor.orgId, body.preset);
      if (!app || !mayConnectWith(app, actor.roles.includes('admin')))
        throw new HttpProblem(
          422,
          'oauth_app_missing',
          'Your organisation has not registered this provider for you: an admin registers it in Settings → Mailboxes',
        );
      const endpoints = endpointsOf(settingsOf(app));
      const servers = { smtp: endpoints.smtp, imap: endpoints.imap };
      const fromAddress = body.fromAddress ?? actor.email;
      const existing = (await listMailboxes(deps.store.db, actor.orgId)).some(
        (m) => m.user_id === actor.userId,
      );
      if (existing) throw new HttpProblem(409, 'mailbox_exists', 'This user already has a mailbox');
      await refuseFromTakenElsewhere(deps.store.db, actor.orgId, fromAddress);
      const now = deps.clock.now();
      const oauth = await deps.store.db.transaction().execute(async (trx) => {
        const mailbox = await insertMailbox(
          trx,
          actor.orgId,
          {
            user_id: actor.userId,
            kind: 'smtp',
            from_name: body.fromName ?? actor.name,
            from_address: fromAddress,
            smtp_host: servers.smtp.host,
            smtp_port: servers.smtp.port,
            smtp_secure: servers.smtp.secure ? 1 : 0,
            smtp_user: fromAddress,
            smtp_secret_enc: null,
            daily_limit: null,
            hourly_limit: null,
            min_spacing_seconds: null,
            imap_host: servers.imap?.host ?? null,
            imap_port: servers.imap?.port ?? null,
            imap_secure: servers.imap?.secure === false ? 0 : 1,
            imap_user: servers.imap ? fromAddress : null,
            imap_secret_enc: null,
            imap_last_uid: null,
            imap_last_error: null,
          },
          now,
        );
        const row: MailboxOauthRow = {
          org_id: actor.orgId,
          mailbox_id: mailbox.id,
          preset: body.preset,
          issuer: endpoints.issuer,
          authorization_endpoint: endpoints.authorizationEndpoint,
          token_endpoint: endpoints.tokenEndpoint,
          scopes: endpoints.scopes,
          client_id: app.client_id,
          client_secret_enc: app.client_secret_enc,
          refresh_token_enc: null,
          access_token_enc: null,
          access_expires_at: null,
          status: 'pending',
          status_reason: null,
          created_at: now,
          updated_at: now,
          pending_state_hash: null,
        };
        await insertMailboxOauth(trx, row);
        await recordAudit(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          action: 'mailbox.create',
          resourceType: 'mailbox',
          resourceId: mailbox.id,
          after: { preset: body.preset, fromAddress, auth: 'oauth2' },
          at: now,
        });
        return row;
      });
      // The provider is contacted only when the browser opens the start link (a GET that redirects there).
      return reply
        .code(201)
        .send({ mailboxId: oauth.mailbox_id, startUrl: `/api/mailboxes/${oauth.mailbox_id}/oauth/start` });
    },
  );

  /** Emails held per mailbox that needs reconnecting. */
  const heldCounts = async (orgId: string, userId: string) => {
    const waiting = await reconnectNeededOf(deps.store.db, orgId, userId, RECONNECT_HOLD_REASON);
    return new Map(waiting.map((w) => [w.mailboxId, w.held]));
  };

  /** Your own OAuth mailbox (others' are invisible). */
  const ownOauth = async (orgId: string, userId: string, id: string) => {
    const mailbox = await findMailbox(deps.store.db, orgId, id);
    const row = mailbox?.user_id === userId ? await findMailboxOauth(deps.store.db, orgId, id) : undefined;
    if (!row) throw notFoundProblem('Mailbox');
    return { row, mailbox: mailbox! };
  };

  app.get(
    '/api/mailboxes/oauth',
    {
      schema: {
        tags: ['mail'],
        summary: 'Your OAuth mailboxes and whether each needs reconnecting (the Settings banner)',
        response: { 200: z.object({ items: z.array(Status) }) },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const own = (await listMailboxes(deps.store.db, actor.orgId)).filter((m) => m.user_id === actor.userId);
      const held = await heldCounts(actor.orgId, actor.userId);
      const items: z.infer<typeof Status>[] = [];
      for (const mailbox of own) {
        const row = await findMailboxOauth(deps.store.db, actor.orgId, mailbox.id);
        if (row) items.push(statusOf(row, deps, held.get(row.mailbox_id) ?? 0, mailbox.from_address));
      }
      return { items };
    },
  );

  app.get(
    '/api/mailboxes/:id/oauth',
    {
      schema: {
        tags: ['mail'],
        summary: 'The OAuth connection of your mailbox: connected or reconnect needed (never a token)',
        params: z.object({ id: z.string().max(100) }),
        response: { 200: Status, 404: ProblemSchema },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const { row, mailbox } = await ownOauth(actor.orgId, actor.userId, request.params.id);
      const held = await heldCounts(actor.orgId, actor.userId);
      return statusOf(row, deps, held.get(row.mailbox_id) ?? 0, mailbox.from_address);
    },
  );

  app.get(
    '/api/mailboxes/:id/oauth/start',
    {
      schema: {
        tags: ['mail'],
        summary: 'Open in the browser to connect or reconnect your OAuth mailbox: redirects to the provider',
        params: z.object({ id: z.string().max(100) }),
        response: { 302: z.null(), 404: ProblemSchema, 502: ProblemSchema },
      },
    },
    async (request, reply) => {
      const actor = requireActor(request);
      const { row, mailbox } = await ownOauth(actor.orgId, actor.userId, request.params.id);
      const { url, cookie } = await startConnect(row, mailbox.from_address, actor.userId);
      reply.setCookie(COOKIE, cookie, cookieOptions);
      reply.header('cache-control', 'no-store');
      return reply.redirect(url, 302);
    },
  );

  app.get(
    '/api/mailboxes/oauth/callback',
    {
      schema: {
        tags: ['mail'],
        summary: 'Where the provider sends the browser back: stores the tokens, back to Settings → Mailboxes',
        querystring: Callback,
        response: { 303: z.null(), 400: ProblemSchema, 502: ProblemSchema },
      },
      config: { rateLimit: { max: 30, timeWindow: '1 minute' } },
    },
    async (request, reply) => {
      const now = deps.clock.now();
      const raw = request.cookies[COOKIE];
      const payload = raw ? verifyToken(deps.config.secretKey, PURPOSE, raw) : null;
      const { orgId, mailboxId, userId, state, codeVerifier, expiresAt } = payload ?? {};
      if (!orgId || !mailboxId || !userId || !state || !codeVerifier || !(Number(expiresAt) > now))
        throw new HttpProblem(
          400,
          'oauth_state',
          'The connection expired or was not started here; start again',
        );
      if (request.query.error)
        throw new HttpProblem(400, 'oauth_refused', `The provider refused: ${request.query.error}`);
      const row = await findMailboxOauth(deps.store.db, orgId, mailboxId);
      if (!row) throw notFoundProblem('Mailbox');
      reply.clearCookie(COOKIE, { path: COOKIE_PATH });
      // Each start's `state` finishes once: a replayed code (same state) never reaches the provider again.
      if (!(await claimPendingState(deps.store.db, { orgId, mailboxId }, stateHash(state)))) {
        await recordAudit(deps.store.db, {
          orgId,
          actorId: userId,
          action: 'mailbox.oauth_replayed',
          resourceType: 'mailbox',
          resourceId: mailboxId,
          after: { message: 'The authorization code and state were already used' },
          at: now,
        });
        throw new HttpProblem(
          400,
          'oauth_code_replayed',
          'This sign-in was already used (a replayed authorization code); start connecting the mailbox again',
        );
      }
      const search = request.url.slice(request.url.indexOf('?'));
      const tokens = await exchangeCode(
        await oauthConfiguration(deps.config, row),
        deps.config,
        search,
        { state, codeVerifier },
        now,
      ).catch(async (error: unknown) => {
        const message = describeOidcError(error);
        await recordAudit(deps.store.db, {
          orgId,
          actorId: userId,
          action: 'mailbox.oauth_refused',
          resourceType: 'mailbox',
          resourceId: mailboxId,
          after: { message },
          at: now,
        });
        throw new HttpProblem(400, 'oauth_exchange', `The provider did not accept the sign-in: ${message}`);
      });
      const released = await deps.store.db.transaction().execute(async (trx) => {
        await saveMailboxTokens(
          trx,
          { orgId, mailboxId },
          {
            refreshTokenEnc: tokens.refreshToken
              ? encryptSecret(deps.config.secretKey, tokens.refreshToken)
              : null,
            accessTokenEnc: encryptSecret(deps.config.secretKey, tokens.accessToken),
            expiresAt: tokens.expiresAt,
          },
          now,
        );
        const count =
          (await releaseHeld(trx, orgId, userId, now)) +
          (await releaseSignInHolds(trx, orgId, userId, userId, now));
        await recordAudit(trx, {
          orgId,
          actorId: userId,
          action: 'mailbox.oauth_connected',
          resourceType: 'mailbox',
          resourceId: mailboxId,
          after: { released: count, refreshToken: tokens.refreshToken !== null },
          at: now,
        });
        return count;
      });
      reply.header('cache-control', 'no-store');
      return reply.redirect(`/settings/mailboxes?connected=${mailboxId}&released=${released}`, 303);
    },
  );
}

/** The state is stored only as its SHA-256 (it is a one-time secret of the browser's trip). */
function stateHash(state: string): string {
  return createHash('sha256').update(state).digest('base64url');
}

function statusOf(
  row: MailboxOauthRow,
  deps: AppDeps,
  heldEmails: number,
  fromAddress: string | null,
): z.infer<typeof Status> {
  return {
    mailboxId: row.mailbox_id,
    preset: row.preset,
    status: row.status,
    statusReason: row.status_reason,
    heldEmails,
    fromAddress,
    redirectUri: mailboxCallbackUrl(deps.config),
  };
}
