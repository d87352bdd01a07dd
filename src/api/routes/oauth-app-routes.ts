import { z } from 'zod';
import { endpointsOf, labelOf, mayConnectWith, OauthAppInputSchema } from '../../domain/oauth-apps.ts';
import { issuerTransportProblem } from '../../domain/sso.ts';
import { mailboxCallbackUrl } from '../../mail/oauth/oauth-client.ts';
import { encryptSecret } from '../../mail/secrets.ts';
import { recordAudit } from '../../store/repos/audit-repo.ts';
import {
  applyOauthAppToMailboxes,
  appSettings,
  countMailboxesOfApp,
  deleteOauthApp,
  findOauthApp,
  listOauthApps,
  type OauthAppRow,
  saveOauthApp,
} from '../../store/repos/oauth-apps-repo.ts';
import type { ApiApp } from '../app.ts';
import { requireActor } from '../auth/authenticate.ts';
import { requireOrgPermission } from '../auth/guard.ts';
import type { AppDeps } from '../deps.ts';
import { assertReachableHost, assertReachableServers } from '../outbound-check.ts';
import { HttpProblem, notFoundProblem, ProblemSchema } from '../problems.ts';

/**
 * Organisation-level OAuth app registrations for mailboxes (issue 19, docs/mailboxes.md): admins register the
 * Microsoft 365, Google or generic app once; every user sees only which providers they may connect with.
 */
const PRESETS = ['microsoft', 'google', 'generic'] as const;
const Server = z.object({ host: z.string(), port: z.number().int(), secure: z.boolean() });

/** A registration as admins see it: never the client secret. */
export const OauthAppSchema = z
  .object({
    preset: z.enum(PRESETS),
    label: z.string(),
    clientId: z.string(),
    clientSecretSet: z.boolean(),
    tenant: z.string().nullable(),
    issuer: z.string(),
    scopes: z.string(),
    smtp: Server,
    imap: Server.nullable(),
    allowedForSellers: z.boolean(),
    mailboxes: z.number().int(),
    redirectUri: z.string(),
    updatedAt: z.number().int(),
  })
  .meta({ id: 'OauthApp' });
const Connectable = z.object({ preset: z.enum(PRESETS), label: z.string() });
const PresetParams = z.strictObject({ preset: z.enum(PRESETS) });
const errors = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema } as const;

export async function oauthAppRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  const toApi = async (row: OauthAppRow): Promise<z.infer<typeof OauthAppSchema>> => {
    const endpoints = endpointsOf(appSettings(row));
    return {
      preset: row.preset,
      label: row.label,
      clientId: row.client_id,
      clientSecretSet: row.client_secret_enc.length > 0,
      tenant: row.tenant,
      issuer: endpoints.issuer,
      scopes: endpoints.scopes,
      smtp: endpoints.smtp,
      imap: endpoints.imap,
      allowedForSellers: row.allowed_for_sellers === 1,
      mailboxes: await countMailboxesOfApp(deps.store.db, row.org_id, row.preset),
      redirectUri: mailboxCallbackUrl(deps.config),
      updatedAt: row.updated_at,
    };
  };

  app.get(
    '/api/admin/oauth-apps',
    {
      schema: {
        tags: ['admin'],
        summary: 'The organisation’s OAuth app registrations for mailboxes (admins; never the secret)',
        response: {
          200: z.object({ items: z.array(OauthAppSchema), redirectUri: z.string() }),
          ...errors,
        },
      },
    },
    async (request) => {
      const actor = await requireOrgPermission(deps, request, 'manage_org');
      const rows = await listOauthApps(deps.store.db, actor.orgId);
      return { items: await Promise.all(rows.map(toApi)), redirectUri: mailboxCallbackUrl(deps.config) };
    },
  );

  app.put(
    '/api/admin/oauth-apps',
    {
      schema: {
        tags: ['admin'],
        summary:
          'Register (or change) the Microsoft 365, Google or generic OAuth app for mailboxes; the secret only when given',
        body: OauthAppInputSchema,
        response: { 200: OauthAppSchema, 422: ProblemSchema, ...errors },
      },
    },
    async (request) => {
      const actor = await requireOrgPermission(deps, request, 'manage_org');
      const input = request.body;
      if (input.preset === 'generic') {
        const transport = issuerTransportProblem(input.issuer);
        if (transport)
          throw new HttpProblem(400, 'validation_failed', transport, [
            { path: ['body', 'issuer'], code: 'insecure_issuer', message: transport },
          ]);
        await assertReachableHost(deps.config, new URL(input.issuer).hostname, ['body', 'issuer']);
        await assertReachableServers(deps.config, { smtp: input.smtp, imap: input.imap ?? null });
      }
      const before = await findOauthApp(deps.store.db, actor.orgId, input.preset);
      if (!before && input.clientSecret === undefined)
        throw new HttpProblem(400, 'validation_failed', 'The client secret is required', [
          { path: ['body', 'clientSecret'], code: 'required', message: 'The client secret is required' },
        ]);
      const now = deps.clock.now();
      const generic = input.preset === 'generic' ? input : null;
      const row: OauthAppRow = {
        org_id: actor.orgId,
        preset: input.preset,
        label: labelOf(input.preset, generic?.label),
        client_id: input.clientId,
        client_secret_enc:
          input.clientSecret !== undefined
            ? encryptSecret(deps.config.secretKey, input.clientSecret)
            : (before?.client_secret_enc ?? ''),
        tenant: input.preset === 'microsoft' ? input.tenant : null,
        issuer: generic?.issuer ?? null,
        scopes: generic?.scopes ?? null,
        smtp_host: generic?.smtp.host ?? null,
        smtp_port: generic?.smtp.port ?? null,
        smtp_secure: generic ? (generic.smtp.secure ? 1 : 0) : null,
        imap_host: generic?.imap?.host ?? null,
        imap_port: generic?.imap?.port ?? null,
        imap_secure: generic?.imap ? (generic.imap.secure ? 1 : 0) : null,
        allowed_for_sellers: input.allowedForSellers ? 1 : 0,
        created_at: before?.created_at ?? now,
        updated_at: now,
      };
      const endpoints = endpointsOf(appSettings(row));
      await deps.store.db.transaction().execute(async (trx) => {
        await saveOauthApp(trx, row);
        // Mailboxes connected through it use the new client id and secret from their next token refresh.
        await applyOauthAppToMailboxes(
          trx,
          actor.orgId,
          row.preset,
          {
            client_id: row.client_id,
            client_secret_enc: row.client_secret_enc,
            issuer: endpoints.issuer,
            authorization_endpoint: endpoints.authorizationEndpoint,
            token_endpoint: endpoints.tokenEndpoint,
            scopes: endpoints.scopes,
          },
          now,
        );
        await recordAudit(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          action: before ? 'oauth_app.updated' : 'oauth_app.created',
          resourceType: 'oauth_app',
          resourceId: row.preset,
          after: {
            preset: row.preset,
            label: row.label,
            clientId: row.client_id,
            tenant: row.tenant,
            issuer: endpoints.issuer,
            allowedForSellers: input.allowedForSellers,
            clientSecretChanged: input.clientSecret !== undefined,
          },
          at: now,
        });
      });
      return toApi(row);
    },
  );

  app.delete(
    '/api/admin/oauth-apps/:preset',
    {
      schema: {
        tags: ['admin'],
        summary: 'Remove an OAuth app registration (refused while mailboxes connect through it)',
        params: PresetParams,
        response: { 204: z.null(), 404: ProblemSchema, 409: ProblemSchema, ...errors },
      },
    },
    async (request, reply) => {
      const actor = await requireOrgPermission(deps, request, 'manage_org');
      const { preset } = request.params;
      const before = await findOauthApp(deps.store.db, actor.orgId, preset);
      if (!before) throw notFoundProblem('OAuth app registration');
      const inUse = await countMailboxesOfApp(deps.store.db, actor.orgId, preset);
      if (inUse > 0)
        throw new HttpProblem(
          409,
          'oauth_app_in_use',
          `${inUse} mailbox(es) still connect through this registration; remove them first`,
        );
      await deps.store.db.transaction().execute(async (trx) => {
        await deleteOauthApp(trx, actor.orgId, preset);
        await recordAudit(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          action: 'oauth_app.deleted',
          resourceType: 'oauth_app',
          resourceId: preset,
          before: { preset, label: before.label, clientId: before.client_id },
          at: deps.clock.now(),
        });
      });
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/mailboxes/oauth/apps',
    {
      schema: {
        tags: ['mail'],
        summary: 'The providers you may connect your mailbox with in one click (registered by an admin)',
        response: { 200: z.object({ items: z.array(Connectable) }) },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const rows = await listOauthApps(deps.store.db, actor.orgId);
      const admin = actor.roles.includes('admin');
      return {
        items: rows
          .filter((row) => mayConnectWith(row, admin))
          .map((row) => ({ preset: row.preset, label: row.label })),
      };
    },
  );
}
