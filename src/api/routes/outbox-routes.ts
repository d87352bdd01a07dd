import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Actor } from '../../domain/identity.ts';
import { isWithinUnit } from '../../domain/permissions/permissions.ts';
import { endEmailHold } from '../../mail/held-steps.ts';
import { recipientZones } from '../../mail/recipient-zones.ts';
import { unsubscribeUrl } from '../../mail/tracking.ts';
import { buildRawMessage } from '../../mail/transport.ts';
import { userContact, usersWithUnits } from '../../store/queries/directory-lookups.ts';
import { cancelUnsentMessage } from '../../store/queries/outbox-changes.ts';
import { recordAudit } from '../../store/repos/audit-repo.ts';
import {
  findMessage,
  listEngagements,
  listOutbox,
  type OutboundRow,
  requeueMessage,
} from '../../store/repos/mail-repo.ts';
import type { ApiApp } from '../app.ts';
import { requireActor } from '../auth/authenticate.ts';
import { loadPolicy } from '../auth/guard.ts';
import type { AppDeps } from '../deps.ts';
import { decodeCursor, PageQuerySchema, pageSchema, toPage } from '../pagination.ts';
import { HttpProblem, notFoundProblem, ProblemSchema } from '../problems.ts';

/**
 * The outbox: every email Stepwise queued, held, sent or gave up on. With no SMTP configured this is also the
 * built-in catch-all mailbox: "delivered" messages are read here (and as `.eml` downloads).
 * Sellers see their own emails, managers those of senders in their business unit tree, admins all.
 */
const STATUSES = ['queued', 'held', 'sending', 'sent', 'failed', 'canceled', 'bounced'] as const;

export const OutboxItemSchema = z
  .object({
    id: z.string(),
    status: z.enum(STATUSES),
    to: z.string(),
    subject: z.string(),
    senderUserId: z.string(),
    recordId: z.string().nullable(),
    connectionId: z.string().nullable(),
    stepInstanceId: z.string().nullable(),
    messageId: z.string(),
    /** Why it is waiting or held, and (for queued) when it will go: `notBefore`. */
    holdReason: z.string().nullable(),
    notBefore: z.number(),
    /** The recipient's time zone (own, inferred or default), to show `notBefore` in both zones. */
    recipientTimeZone: z.string().optional(),
    attempts: z.number(),
    lastError: z.string().nullable(),
    sentAt: z.number().nullable(),
    createdAt: z.number(),
  })
  .meta({ id: 'OutboxItem' });

export const OutboxMessageSchema = OutboxItemSchema.extend({
  html: z.string(),
  text: z.string(),
  templateId: z.string().nullable(),
  variant: z.string().nullable(),
  tracking: z.boolean(),
  engagement: z.array(
    z.object({
      type: z.string(),
      machine: z.boolean(),
      occurredAt: z.number(),
      data: z.record(z.string(), z.unknown()),
    }),
  ),
}).meta({ id: 'OutboxMessage' });

export function toItem(row: OutboundRow): z.infer<typeof OutboxItemSchema> {
  return {
    id: row.id,
    status: row.status,
    to: row.to_address,
    subject: row.subject,
    senderUserId: row.sender_user_id,
    recordId: row.record_id,
    connectionId: row.connection_id,
    stepInstanceId: row.step_instance_id,
    messageId: row.message_id,
    holdReason: row.hold_reason,
    notBefore: row.not_before,
    attempts: row.attempts,
    lastError: row.last_error,
    sentAt: row.status === 'sent' || row.status === 'bounced' ? row.sent_at : null,
    createdAt: row.created_at,
  };
}

/** The senders whose emails the actor may see; undefined: everyone's (admins). */
export async function visibleSenders(
  deps: AppDeps,
  request: FastifyRequest,
  actor: Actor,
): Promise<string[] | undefined> {
  if (actor.roles.includes('admin')) return undefined;
  if (!actor.roles.some((role) => role === 'sales_manager' || role === 'sequence_manager'))
    return [actor.userId];
  const policy = await loadPolicy(deps, request, actor.orgId);
  const users = await usersWithUnits(deps.store.db, actor.orgId);
  return users
    .filter(
      (user) => user.id === actor.userId || isWithinUnit(policy, actor.businessUnitId, user.business_unit_id),
    )
    .map((user) => user.id);
}

export async function outboxRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  const load = async (request: FastifyRequest, id: string): Promise<OutboundRow> => {
    const actor = requireActor(request);
    const row = await findMessage(deps.store.db, actor.orgId, id);
    const senders = await visibleSenders(deps, request, actor);
    if (!row || (senders && !senders.includes(row.sender_user_id))) throw notFoundProblem('Email');
    return row;
  };

  app.get(
    '/api/outbox',
    {
      schema: {
        tags: ['mail'],
        summary:
          'Emails in the outbox (newest first): queued with when and why they wait, held, sent, failed',
        querystring: PageQuerySchema.extend({
          status: z.enum(STATUSES).optional(),
          recordId: z.string().max(100).optional(),
          senderUserId: z.string().max(100).optional(),
        }),
        response: { 200: pageSchema(OutboxItemSchema), 400: ProblemSchema },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const before = decodeCursor(request.query.cursor, z.object({ not_before: z.number(), id: z.string() }));
      const rows = await listOutbox(deps.store.db, actor.orgId, {
        status: request.query.status,
        recordId: request.query.recordId,
        senderUserId: request.query.senderUserId,
        senderIn: await visibleSenders(deps, request, actor),
        before,
        limit: request.query.limit,
      });
      const zones = await recipientZones(deps.store.db, actor.orgId, rows);
      const withZone = (row: OutboundRow) => ({ ...toItem(row), recipientTimeZone: zones.get(row.id)?.zone });
      return toPage(rows, request.query.limit, withZone, (row) => ({
        not_before: row.not_before,
        id: row.id,
      }));
    },
  );

  app.get(
    '/api/outbox/:id',
    {
      schema: {
        tags: ['mail'],
        summary: 'One email with its rendered content and what happened to it (opens, clicks, replies…)',
        params: z.object({ id: z.string().min(1).max(100) }),
        response: { 200: OutboxMessageSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const row = await load(request, request.params.id);
      const engagement = await listEngagements(deps.store.db, row.org_id, row.id);
      return {
        ...toItem(row),
        html: row.body_html,
        text: row.body_text,
        templateId: row.template_id,
        variant: row.variant,
        tracking: row.tracking === 1,
        engagement: engagement.map((event) => ({
          type: event.type,
          machine: event.machine === 1,
          occurredAt: event.occurred_at,
          data: JSON.parse(event.data_json) as Record<string, unknown>,
        })),
      };
    },
  );

  app.get(
    '/api/outbox/:id/raw',
    {
      schema: {
        tags: ['mail'],
        summary: 'The email as it went out (RFC 5322, .eml)',
        params: z.object({ id: z.string().min(1).max(100) }),
        response: { 200: z.string(), 404: ProblemSchema, 409: ProblemSchema },
      },
    },
    async (request, reply) => {
      const row = await load(request, request.params.id);
      if (row.status !== 'sent' && row.status !== 'sending' && row.status !== 'bounced') {
        throw new HttpProblem(409, 'not_sent', 'Only sent emails have a raw form');
      }
      const sender = await userContact(deps.store.db, row.org_id, row.sender_user_id);
      const unsubscribe = unsubscribeUrl(deps.config.publicUrl, deps.config.secretKey, {
        orgId: row.org_id,
        messageId: row.id,
      });
      const raw = await buildRawMessage({
        from: { name: sender?.name ?? 'Stepwise', address: sender?.email ?? 'no-reply@stepwise.local' },
        to: row.to_address,
        subject: row.subject,
        html: row.body_html,
        text: row.body_text,
        messageId: row.message_id,
        date: new Date(row.sent_at ?? row.updated_at),
        headers: {
          'List-Unsubscribe': `<${unsubscribe}>`,
          'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
          'X-Stepwise-Message': row.id,
        },
      });
      return reply
        .type('message/rfc822')
        .header('content-disposition', `attachment; filename="${row.id}.eml"`)
        .send(raw.toString('utf8'));
    },
  );

  const action = (name: 'retry' | 'cancel') =>
    app.post(
      `/api/outbox/:id/${name}`,
      {
        schema: {
          tags: ['mail'],
          summary:
            name === 'retry'
              ? 'Queue a held email again (after fixing the record or the template)'
              : 'Cancel an email that has not gone out',
          params: z.object({ id: z.string().min(1).max(100) }),
          response: { 200: OutboxItemSchema, 404: ProblemSchema, 409: ProblemSchema },
        },
      },
      async (request) => {
        const actor = requireActor(request);
        const row = await load(request, request.params.id);
        const now = deps.clock.now();
        const done = await deps.store.db.transaction().execute(async (trx) => {
          let changed: boolean;
          if (name === 'retry') {
            changed = await requeueMessage(trx, actor.orgId, row.id, now);
          } else {
            changed = await cancelUnsentMessage(trx, actor.orgId, row.id, now);
          }
          if (changed && row.status === 'held') {
            // The held step is decided: released (completed) or canceled (skipped); the sequence goes on.
            await endEmailHold(trx, row, name === 'retry' ? 'completed' : 'skipped', actor.userId, now);
          }
          if (changed) {
            await recordAudit(trx, {
              orgId: actor.orgId,
              actorId: actor.userId,
              action: `email.${name}`,
              resourceType: 'outbound_message',
              resourceId: row.id,
              before: { status: row.status },
              at: now,
            });
          }
          return changed;
        });
        if (!done) {
          throw new HttpProblem(
            409,
            'email_state',
            name === 'retry'
              ? 'Only a held email can be queued again'
              : 'Only a queued or held email can be canceled',
          );
        }
        return toItem((await findMessage(deps.store.db, actor.orgId, row.id)) as OutboundRow);
      },
    );
  action('retry');
  action('cancel');
}
