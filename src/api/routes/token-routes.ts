import { z } from 'zod';
import { newId } from '../../store/ids.ts';
import { recordAudit } from '../../store/repos/audit-repo.ts';
import {
  findTokenOfUser,
  insertToken,
  listTokensOfUser,
  revokeToken,
} from '../../store/repos/identity-repo.ts';
import type { ApiApp } from '../app.ts';
import { requireActor } from '../auth/authenticate.ts';
import { hashSecret, randomSecret } from '../auth/secrets.ts';
import type { AppDeps } from '../deps.ts';
import { notFoundProblem, ProblemSchema } from '../problems.ts';

/** Prefix of every API token, so secret scanners and people recognise one. */
export const TOKEN_PREFIX = 'swt_';

export const ApiTokenSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    createdAt: z.number().int(),
    lastUsedAt: z.number().int().nullable(),
    revokedAt: z.number().int().nullable(),
  })
  .meta({ id: 'ApiToken' });

const toToken = (row: {
  id: string;
  name: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}) => ({
  id: row.id,
  name: row.name,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
  revokedAt: row.revoked_at,
});

/**
 * Personal API tokens for integrations (`Authorization: Bearer swt_…`). A token acts as the user who created
 * it, with that user's current roles; only its SHA-256 is stored, so the secret is shown once at creation.
 */
export async function tokenRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  const IdParams = z.strictObject({ id: z.string().min(1).max(100) });

  app.post(
    '/api/tokens',
    {
      schema: {
        tags: ['tokens'],
        summary: 'Create an API token; the secret is in this response only',
        body: z.strictObject({ name: z.string().trim().min(1).max(100) }),
        response: {
          201: ApiTokenSchema.extend({ token: z.string() }),
          400: ProblemSchema,
          401: ProblemSchema,
        },
      },
    },
    async (request, reply) => {
      const actor = requireActor(request);
      const now = deps.clock.now();
      const token = `${TOKEN_PREFIX}${randomSecret(32)}`;
      const id = newId(now);
      await deps.store.db.transaction().execute(async (trx) => {
        await insertToken(trx, {
          orgId: actor.orgId,
          id,
          userId: actor.userId,
          name: request.body.name,
          tokenHash: hashSecret(token),
          now,
        });
        await recordAudit(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          action: 'token.created',
          resourceType: 'api_token',
          resourceId: id,
          after: { name: request.body.name },
          at: now,
        });
      });
      return reply
        .code(201)
        .send({ id, name: request.body.name, createdAt: now, lastUsedAt: null, revokedAt: null, token });
    },
  );

  app.get(
    '/api/tokens',
    {
      schema: {
        tags: ['tokens'],
        summary: 'Your API tokens (without secrets), newest first',
        response: { 200: z.object({ items: z.array(ApiTokenSchema) }), 401: ProblemSchema },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const rows = await listTokensOfUser(deps.store.db, actor.orgId, actor.userId);
      return { items: rows.map(toToken) };
    },
  );

  app.delete(
    '/api/tokens/:id',
    {
      schema: {
        tags: ['tokens'],
        summary: 'Revoke one of your API tokens; it stops working at once',
        params: IdParams,
        response: { 204: z.null(), 401: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request, reply) => {
      const actor = requireActor(request);
      const token = await findTokenOfUser(deps.store.db, actor.orgId, actor.userId, request.params.id);
      if (!token) throw notFoundProblem('API token');
      if (token.revoked_at === null) {
        const now = deps.clock.now();
        await deps.store.db.transaction().execute(async (trx) => {
          await revokeToken(trx, actor.orgId, token.id, now);
          await recordAudit(trx, {
            orgId: actor.orgId,
            actorId: actor.userId,
            action: 'token.revoked',
            resourceType: 'api_token',
            resourceId: token.id,
            before: { name: token.name },
            at: now,
          });
        });
      }
      return reply.code(204).send(null);
    },
  );
}
