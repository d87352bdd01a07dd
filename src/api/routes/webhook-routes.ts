import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { decideOrg } from '../../domain/permissions/permissions.ts';
import { isValidSubscription, WEBHOOK_EVENTS } from '../../domain/webhooks/events.ts';
import { encryptSecret } from '../../mail/secrets.ts';
import { recordAudit } from '../../store/repos/audit-repo.ts';
import {
  deleteWebhook,
  findWebhook,
  insertDeliveries,
  insertWebhook,
  listDeliveries,
  listWebhooks,
  updateWebhook,
  type WebhookRow,
} from '../../store/repos/webhook-repo.ts';
import type { ApiApp } from '../app.ts';
import { requireActor } from '../auth/authenticate.ts';
import { enforce, loadPolicy } from '../auth/guard.ts';
import type { AppDeps } from '../deps.ts';
import { assertReachableHost } from '../outbound-check.ts';
import { decodeCursor, PageQuerySchema, pageSchema, toPage } from '../pagination.ts';
import { notFoundProblem, ProblemSchema } from '../problems.ts';

/**
 * Outgoing webhooks (admins): POSTed JSON, signed with HMAC-SHA256 in `X-Stepwise-Signature`
 * (`t=<unix seconds>,v1=<hex>` over `<t>.<body>`), retried with back-off, with a delivery log.
 */
const EventName = z
  .string()
  .max(64)
  .refine(isValidSubscription, {
    error: `Use an event name (${WEBHOOK_EVENTS.join(', ')}), a prefix such as email.*, or * for all`,
  });

export const WebhookSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(z.string()),
    enabled: z.boolean(),
    createdAt: z.number(),
  })
  .meta({ id: 'Webhook' });

const DeliverySchema = z
  .object({
    id: z.string(),
    event: z.string(),
    status: z.enum(['pending', 'delivered', 'failed']),
    attempts: z.number(),
    nextAttemptAt: z.number().nullable(),
    responseStatus: z.number().nullable(),
    lastError: z.string().nullable(),
    idempotencyKey: z.string(),
    payload: z.unknown(),
    createdAt: z.number(),
    updatedAt: z.number(),
  })
  .meta({ id: 'WebhookDelivery' });

const toWebhook = (row: WebhookRow): z.infer<typeof WebhookSchema> => ({
  id: row.id,
  url: row.url,
  events: JSON.parse(row.events_json) as string[],
  enabled: row.enabled === 1,
  createdAt: row.created_at,
});

const UrlSchema = z.url({ protocol: /^https?$/, error: 'Use an http(s) URL' }).max(2000);

export async function webhookRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  const admin = async (request: Parameters<typeof requireActor>[0]) => {
    const actor = requireActor(request);
    enforce(decideOrg(actor, await loadPolicy(deps, request, actor.orgId), 'manage_org'), 'Webhooks');
    return actor;
  };
  const Id = z.object({ id: z.string().min(1).max(100) });
  const loadHook = async (orgId: string, id: string) => {
    const row = await findWebhook(deps.store.db, orgId, id);
    if (!row) throw notFoundProblem('Webhook');
    return row;
  };

  app.get(
    '/api/webhooks',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Webhooks of the organisation (admins)',
        response: {
          200: z.object({ items: z.array(WebhookSchema), events: z.array(z.enum(WEBHOOK_EVENTS)) }),
          403: ProblemSchema,
        },
      },
    },
    async (request) => {
      const actor = await admin(request);
      return {
        items: (await listWebhooks(deps.store.db, actor.orgId)).map(toWebhook),
        events: [...WEBHOOK_EVENTS],
      };
    },
  );

  app.post(
    '/api/webhooks',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Add a webhook; the signing secret is shown only in this response',
        body: z.strictObject({
          url: UrlSchema,
          events: z.array(EventName).min(1).max(50),
          enabled: z.boolean().default(true),
          secret: z.string().min(16).max(200).optional(),
        }),
        response: {
          201: WebhookSchema.extend({ secret: z.string() }),
          400: ProblemSchema,
          403: ProblemSchema,
          422: ProblemSchema,
        },
      },
    },
    async (request, reply) => {
      const actor = await admin(request);
      await assertReachableHost(deps.config, new URL(request.body.url).hostname, ['body', 'url']);
      const now = deps.clock.now();
      const secret = request.body.secret ?? `whsec_${randomBytes(24).toString('base64url')}`;
      const row = await deps.store.db.transaction().execute(async (trx) => {
        const created = await insertWebhook(trx, {
          orgId: actor.orgId,
          url: request.body.url,
          secretEnc: encryptSecret(deps.config.secretKey, secret),
          events: [...new Set(request.body.events)],
          enabled: request.body.enabled,
          now,
        });
        await recordAudit(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          action: 'webhook.create',
          resourceType: 'webhook',
          resourceId: created.id,
          after: toWebhook(created),
          at: now,
        });
        return created;
      });
      return reply.code(201).send({ ...toWebhook(row), secret });
    },
  );

  app.patch(
    '/api/webhooks/:id',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Change a webhook (URL, events, on/off) or rotate its secret',
        params: Id,
        body: z.strictObject({
          url: UrlSchema.optional(),
          events: z.array(EventName).min(1).max(50).optional(),
          enabled: z.boolean().optional(),
          rotateSecret: z.boolean().optional(),
        }),
        response: {
          200: WebhookSchema.extend({ secret: z.string().optional() }),
          400: ProblemSchema,
          403: ProblemSchema,
          404: ProblemSchema,
          422: ProblemSchema,
        },
      },
    },
    async (request) => {
      const actor = await admin(request);
      const before = await loadHook(actor.orgId, request.params.id);
      if (request.body.url) {
        await assertReachableHost(deps.config, new URL(request.body.url).hostname, ['body', 'url']);
      }
      const now = deps.clock.now();
      const secret = request.body.rotateSecret ? `whsec_${randomBytes(24).toString('base64url')}` : undefined;
      await deps.store.db.transaction().execute(async (trx) => {
        await updateWebhook(trx, actor.orgId, before.id, {
          url: request.body.url,
          events: request.body.events ? [...new Set(request.body.events)] : undefined,
          enabled: request.body.enabled,
          secretEnc: secret ? encryptSecret(deps.config.secretKey, secret) : undefined,
        });
        await recordAudit(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          action: 'webhook.update',
          resourceType: 'webhook',
          resourceId: before.id,
          before: toWebhook(before),
          after: { ...request.body, rotateSecret: Boolean(secret) },
          at: now,
        });
      });
      const after = toWebhook(await loadHook(actor.orgId, before.id));
      return secret ? { ...after, secret } : after;
    },
  );

  app.delete(
    '/api/webhooks/:id',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Remove a webhook and its delivery log',
        params: Id,
        response: { 204: z.null(), 403: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request, reply) => {
      const actor = await admin(request);
      const before = await loadHook(actor.orgId, request.params.id);
      const now = deps.clock.now();
      await deps.store.db.transaction().execute(async (trx) => {
        await deleteWebhook(trx, actor.orgId, before.id);
        await recordAudit(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          action: 'webhook.delete',
          resourceType: 'webhook',
          resourceId: before.id,
          before: toWebhook(before),
          at: now,
        });
      });
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/webhooks/:id/ping',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Queue a `ping` delivery to check the endpoint and the signature',
        params: Id,
        response: { 202: z.object({ queued: z.boolean() }), 403: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request, reply) => {
      const actor = await admin(request);
      const hook = await loadHook(actor.orgId, request.params.id);
      const now = deps.clock.now();
      const key = `ping:${now}`;
      const queued = await insertDeliveries(deps.store.db, {
        orgId: actor.orgId,
        webhookIds: [hook.id],
        event: 'ping',
        payloadJson: JSON.stringify({
          id: key,
          event: 'ping',
          occurredAt: new Date(now).toISOString(),
          orgId: actor.orgId,
          data: {},
        }),
        idempotencyKey: key,
        now,
      });
      return reply.code(202).send({ queued: queued > 0 });
    },
  );

  app.get(
    '/api/webhooks/:id/deliveries',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Delivery log of a webhook, newest first',
        params: Id,
        querystring: PageQuerySchema,
        response: {
          200: pageSchema(DeliverySchema),
          400: ProblemSchema,
          403: ProblemSchema,
          404: ProblemSchema,
        },
      },
    },
    async (request) => {
      const actor = await admin(request);
      const hook = await loadHook(actor.orgId, request.params.id);
      const before = decodeCursor(request.query.cursor, z.object({ id: z.string() }));
      const rows = await listDeliveries(deps.store.db, actor.orgId, hook.id, request.query.limit, before?.id);
      return toPage(
        rows,
        request.query.limit,
        (row) => ({
          id: row.id,
          event: row.event,
          status: row.status,
          attempts: row.attempts,
          nextAttemptAt: row.status === 'pending' ? row.next_attempt_at : null,
          responseStatus: row.response_status,
          lastError: row.last_error,
          idempotencyKey: row.idempotency_key,
          payload: JSON.parse(row.payload_json) as unknown,
          createdAt: row.created_at,
          updatedAt: row.updated_at,
        }),
        (row) => ({ id: row.id }),
      );
    },
  );
}
