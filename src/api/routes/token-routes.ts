import { z } from 'zod';
import { parseStoredJson, TOKEN_SCOPES, TokenScopeSchema } from '../../domain/identity.ts';
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
import { HttpProblem, notFoundProblem, ProblemSchema } from '../problems.ts';

/** Prefix of every API token, so secret scanners and people recognise one. */
export const TOKEN_PREFIX = 'swt_';

export const ApiTokenSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    scopes: z.array(TokenScopeSchema),
    /** Epoch ms; null: never expires. */
    expiresAt: z.number().int().nullable(),
    createdAt: z.number().int(),
    lastUsedAt: z.number().int().nullable(),
    revokedAt: z.number().int().nullable(),
  })
  .meta({ id: 'ApiToken' });

/** Longest allowed lifetime of a token with an expiry date. */
const MAX_TOKEN_LIFETIME_MS = 2 * 366 * 24 * 60 * 60_000;

const CreateTokenSchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  scopes: z
    .array(TokenScopeSchema)
    .min(1, 'Choose at least one scope')
    .max(TOKEN_SCOPES.length)
    .refine((scopes) => scopes.some((scope) => scope !== 'admin'), {
      message: 'The admin scope works together with read and/or write: choose one of them too',
    })
    .transform((scopes) => TOKEN_SCOPES.filter((scope) => scopes.includes(scope)))
    .default(['read', 'write'])
    .meta({ description: 'read = GET/HEAD; write = other methods; admin = organisation management' }),
  expiresAt: z
    .number()
    .int()
    .nullable()
    .default(null)
    .meta({ description: 'Epoch milliseconds, within two years; null (default): never expires' }),
});

const toToken = (row: {
  id: string;
  name: string;
  scopes_json: string;
  expires_at: number | null;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}) => ({
  id: row.id,
  name: row.name,
  scopes: parseStoredJson(z.array(TokenScopeSchema), row.scopes_json, []),
  expiresAt: row.expires_at === null ? null : Number(row.expires_at),
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
  revokedAt: row.revoked_at,
});

/**
 * Personal API tokens for integrations (`Authorization: Bearer swt_…`). A token acts as the user who created
 * it, with that user's current roles narrowed by its scopes (checked in authenticate.ts and decideOrg), until it
 * expires or is revoked; only its SHA-256 is stored, so the secret is shown once at creation. Tokens are made
 * from a signed-in session only, so a leaked token cannot mint more.
 */
export async function tokenRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  const IdParams = z.strictObject({ id: z.string().min(1).max(100) });

  app.post(
    '/api/tokens',
    {
      schema: {
        tags: ['tokens'],
        summary: 'Create an API token (signed-in session only); the secret is in this response only',
        description:
          'Scopes: `read` allows GET/HEAD, `write` every other method, `admin` organisation management ' +
          '(only for admins; combine with read and/or write). Creating a token with a token is refused ' +
          '(403 `session_required`). An expired token is refused with 401 `token_expired`.',
        body: CreateTokenSchema,
        response: {
          201: ApiTokenSchema.extend({ token: z.string() }),
          400: ProblemSchema,
          401: ProblemSchema,
          403: ProblemSchema,
        },
      },
    },
    async (request, reply) => {
      const actor = requireActor(request);
      if (request.authVia !== 'session') {
        throw new HttpProblem(
          403,
          'session_required',
          'API tokens are created when signed in, not with a token',
        );
      }
      const now = deps.clock.now();
      const { name, scopes, expiresAt } = request.body;
      if (expiresAt !== null && (expiresAt <= now || expiresAt > now + MAX_TOKEN_LIFETIME_MS)) {
        const message = 'Choose an expiry date in the future and within two years';
        throw new HttpProblem(400, 'validation_failed', message, [
          { path: ['body', 'expiresAt'], code: 'expiry_out_of_range', message },
        ]);
      }
      const token = `${TOKEN_PREFIX}${randomSecret(32)}`;
      const id = newId(now);
      await deps.store.db.transaction().execute(async (trx) => {
        await insertToken(trx, {
          orgId: actor.orgId,
          id,
          userId: actor.userId,
          name,
          tokenHash: hashSecret(token),
          scopes,
          expiresAt,
          now,
        });
        await recordAudit(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          action: 'token.created',
          resourceType: 'api_token',
          resourceId: id,
          after: { name, scopes, expiresAt },
          at: now,
        });
      });
      return reply
        .code(201)
        .send({ id, name, scopes, expiresAt, createdAt: now, lastUsedAt: null, revokedAt: null, token });
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
