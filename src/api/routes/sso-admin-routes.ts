import { z } from 'zod';
import { ROLES } from '../../domain/identity.ts';
import {
  issuerTransportProblem,
  type SsoProviderInput,
  SsoProviderInputSchema,
  type SsoProviderPatch,
  SsoProviderPatchSchema,
} from '../../domain/sso.ts';
import { encryptSecret } from '../../mail/secrets.ts';
import { newId } from '../../store/ids.ts';
import { findBusinessUnit } from '../../store/repos/admin-repo.ts';
import { recordAudit } from '../../store/repos/audit-repo.ts';
import {
  deleteSsoProvider,
  findSsoProvider,
  insertSsoProvider,
  listSsoProviders,
  type SsoProviderRow,
  updateSsoProvider,
} from '../../store/repos/sso-repo.ts';
import type { ApiApp } from '../app.ts';
import { requireOrgPermission } from '../auth/guard.ts';
import type { AppDeps } from '../deps.ts';
import { assertReachableHost } from '../outbound-check.ts';
import { HttpProblem, notFoundProblem, ProblemSchema } from '../problems.ts';
import { callbackUrl } from '../sso/oidc.ts';

/** An SSO provider as admins see it: never the client secret. */
export const SsoProviderSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    issuer: z.string(),
    clientId: z.string(),
    clientSecretSet: z.boolean(),
    allowedDomains: z.array(z.string()),
    defaultBusinessUnitId: z.string(),
    defaultRole: z.enum(ROLES),
    groupsClaim: z.string().nullable(),
    groupMappings: z.array(z.object({ group: z.string(), role: z.enum(ROLES), businessUnitId: z.string() })),
    enforce: z.boolean(),
    redirectUri: z.string(),
    createdAt: z.number().int(),
    updatedAt: z.number().int(),
  })
  .meta({ id: 'SsoProvider' });

const IdParams = z.strictObject({ id: z.string().min(1).max(100) });
const errors = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema } as const;

export async function ssoAdminRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  const toApi = (row: SsoProviderRow): z.infer<typeof SsoProviderSchema> => ({
    id: row.id,
    name: row.name,
    issuer: row.issuer,
    clientId: row.client_id,
    clientSecretSet: row.client_secret_enc.length > 0,
    allowedDomains: JSON.parse(row.allowed_domains_json) as string[],
    defaultBusinessUnitId: row.default_business_unit_id,
    defaultRole: row.default_role,
    groupsClaim: row.groups_claim,
    groupMappings: JSON.parse(row.group_mappings_json) as SsoProviderInput['groupMappings'],
    enforce: row.enforce === 1,
    redirectUri: callbackUrl(deps.config),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });

  /** Business units must exist in the org; the issuer must be https (or loopback) and pass the outbound guard. */
  const checkReferences = async (orgId: string, input: SsoProviderPatch) => {
    const units = new Map<string, (string | number)[]>();
    if (input.defaultBusinessUnitId)
      units.set(input.defaultBusinessUnitId, ['body', 'defaultBusinessUnitId']);
    input.groupMappings?.forEach((m, i) => {
      units.set(m.businessUnitId, ['body', 'groupMappings', i, 'businessUnitId']);
    });
    for (const [unitId, path] of units) {
      if (!(await findBusinessUnit(deps.store.db, orgId, unitId)))
        throw new HttpProblem(422, 'unknown_business_unit', `No business unit ${unitId}`, [
          { path, code: 'unknown_business_unit', message: `No business unit ${unitId}` },
        ]);
    }
    if (input.issuer) {
      const transport = issuerTransportProblem(input.issuer);
      if (transport)
        throw new HttpProblem(400, 'validation_failed', transport, [
          { path: ['body', 'issuer'], code: 'insecure_issuer', message: transport },
        ]);
      await assertReachableHost(deps.config, new URL(input.issuer).hostname, ['body', 'issuer']);
    }
  };

  app.get(
    '/api/admin/sso-providers',
    {
      schema: {
        tags: ['admin'],
        summary: 'The organisation’s single sign-on providers (admins)',
        response: { 200: z.object({ items: z.array(SsoProviderSchema) }), ...errors },
      },
    },
    async (request) => {
      const actor = await requireOrgPermission(deps, request, 'manage_org');
      return { items: (await listSsoProviders(deps.store.db, actor.orgId)).map(toApi) };
    },
  );

  app.post(
    '/api/admin/sso-providers',
    {
      schema: {
        tags: ['admin'],
        summary: 'Add a single sign-on provider (OpenID Connect)',
        body: SsoProviderInputSchema,
        response: { 201: SsoProviderSchema, 422: ProblemSchema, ...errors },
      },
    },
    async (request, reply) => {
      const actor = await requireOrgPermission(deps, request, 'manage_org');
      const input = request.body;
      await checkReferences(actor.orgId, input);
      const now = deps.clock.now();
      const row: SsoProviderRow = {
        org_id: actor.orgId,
        id: newId(now),
        name: input.name,
        issuer: input.issuer,
        client_id: input.clientId,
        client_secret_enc: encryptSecret(deps.config.secretKey, input.clientSecret),
        allowed_domains_json: JSON.stringify(input.allowedDomains),
        default_business_unit_id: input.defaultBusinessUnitId,
        default_role: input.defaultRole,
        groups_claim: input.groupsClaim,
        group_mappings_json: JSON.stringify(input.groupMappings),
        enforce: input.enforce ? 1 : 0,
        created_at: now,
        updated_at: now,
      };
      await deps.store.db.transaction().execute(async (trx) => {
        await insertSsoProvider(trx, row);
        await recordAudit(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          action: 'sso_provider.created',
          resourceType: 'sso_provider',
          resourceId: row.id,
          after: { ...toApi(row), clientSecretSet: true },
          at: now,
        });
      });
      return reply.code(201).send(toApi(row));
    },
  );

  app.patch(
    '/api/admin/sso-providers/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'Change a single sign-on provider (the client secret only when given)',
        params: IdParams,
        body: SsoProviderPatchSchema,
        response: { 200: SsoProviderSchema, 404: ProblemSchema, 422: ProblemSchema, ...errors },
      },
    },
    async (request) => {
      const actor = await requireOrgPermission(deps, request, 'manage_org');
      const before = await findSsoProvider(deps.store.db, actor.orgId, request.params.id);
      if (!before) throw notFoundProblem('SSO provider');
      const input = request.body;
      await checkReferences(actor.orgId, input);
      const now = deps.clock.now();
      const change: Partial<SsoProviderRow> = {
        ...(input.name !== undefined && { name: input.name }),
        ...(input.issuer !== undefined && { issuer: input.issuer }),
        ...(input.clientId !== undefined && { client_id: input.clientId }),
        ...(input.clientSecret !== undefined && {
          client_secret_enc: encryptSecret(deps.config.secretKey, input.clientSecret),
        }),
        ...(input.allowedDomains !== undefined && {
          allowed_domains_json: JSON.stringify(input.allowedDomains),
        }),
        ...(input.defaultBusinessUnitId !== undefined && {
          default_business_unit_id: input.defaultBusinessUnitId,
        }),
        ...(input.defaultRole !== undefined && { default_role: input.defaultRole }),
        ...(input.groupsClaim !== undefined && { groups_claim: input.groupsClaim }),
        ...(input.groupMappings !== undefined && {
          group_mappings_json: JSON.stringify(input.groupMappings),
        }),
        ...(input.enforce !== undefined && { enforce: input.enforce ? 1 : 0 }),
        updated_at: now,
      };
      const after: SsoProviderRow = { ...before, ...change };
      await deps.store.db.transaction().execute(async (trx) => {
        await updateSsoProvider(trx, actor.orgId, before.id, change);
        await recordAudit(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          action: 'sso_provider.updated',
          resourceType: 'sso_provider',
          resourceId: before.id,
          before: toApi(before),
          after: { ...toApi(after), clientSecretChanged: input.clientSecret !== undefined },
          at: now,
        });
      });
      return toApi(after);
    },
  );

  app.delete(
    '/api/admin/sso-providers/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'Remove a single sign-on provider (its users keep their accounts)',
        params: IdParams,
        response: { 204: z.null(), 404: ProblemSchema, ...errors },
      },
    },
    async (request, reply) => {
      const actor = await requireOrgPermission(deps, request, 'manage_org');
      const before = await findSsoProvider(deps.store.db, actor.orgId, request.params.id);
      if (!before) throw notFoundProblem('SSO provider');
      await deps.store.db.transaction().execute(async (trx) => {
        await deleteSsoProvider(trx, actor.orgId, before.id);
        await recordAudit(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          action: 'sso_provider.deleted',
          resourceType: 'sso_provider',
          resourceId: before.id,
          before: toApi(before),
          at: deps.clock.now(),
        });
      });
      return reply.code(204).send(null);
    },
  );
}
