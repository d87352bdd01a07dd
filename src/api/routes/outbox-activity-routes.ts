import { simpleParser } from 'mailparser';
import { z } from 'zod';
import { findOutboxActivity } from '../../store/queries/outbox-activity.ts';
import type { ApiApp } from '../app.ts';
import { requireActor } from '../auth/authenticate.ts';
import type { AppDeps } from '../deps.ts';
import { notFoundProblem, ProblemSchema } from '../problems.ts';
import { visibleSenders } from './outbox-routes.ts';

const STATUSES = ['queued', 'held', 'sending', 'sent', 'failed', 'canceled', 'bounced'] as const;
const EVENT_TYPES = ['open', 'click', 'reply', 'auto_reply', 'bounce', 'unsubscribe'] as const;

export const OutboxActivitySchema = z
  .object({
    id: z.string(),
    status: z.enum(STATUSES),
    to: z.string(),
    subject: z.string(),
    senderUserId: z.string(),
    /**
     * The message as it went out: parsed from its stored RFC 5322 bytes (`asSent: true`), or the final content
     * a seller wrote when no bytes exist yet; null for a template email that has not been rendered yet.
     */
    message: z.object({ asSent: z.boolean(), html: z.string(), text: z.string() }).nullable(),
    holdReason: z.string().nullable(),
    /**
     * The last answer of the SMTP server (or of Stepwise) for this email: why it failed, waits or was canceled,
     * or, once sent, the server's final `250 …` answer.
     */
    smtpResponse: z.string().nullable(),
    attempts: z.number(),
    sentAt: z.number().nullable(),
    createdAt: z.number(),
    events: z.array(
      z.object({
        id: z.string(),
        type: z.enum(EVENT_TYPES),
        machine: z.boolean(),
        occurredAt: z.number(),
        data: z.record(z.string(), z.unknown()),
      }),
    ),
    replies: z.array(
      z.object({
        from: z.string().nullable(),
        subject: z.string(),
        text: z.string(),
        receivedAt: z.number(),
      }),
    ),
  })
  .meta({ id: 'OutboxActivity' });

/** The outbox as an activity view: one email as it was sent, with its opens, clicks, bounces, replies and SMTP answer. */
export async function outboxActivityRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  app.get(
    '/api/outbox/:id/activity',
    {
      schema: {
        tags: ['mail'],
        summary:
          'One email as it was sent, with its events (opens, clicks, bounce, replies) and the SMTP response',
        params: z.object({ id: z.string().min(1).max(100) }),
        response: { 200: OutboxActivitySchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const found = await findOutboxActivity(deps.store.db, actor.orgId, request.params.id);
      const senders = await visibleSenders(deps, request, actor);
      if (!found || (senders && !senders.includes(found.senderUserId))) throw notFoundProblem('Email');
      let message: z.infer<typeof OutboxActivitySchema>['message'] = null;
      if (found.rawMime) {
        const mail = await simpleParser(found.rawMime, { skipImageLinks: true, skipTextToHtml: true });
        message = {
          asSent: true,
          html: typeof mail.html === 'string' ? mail.html : '',
          text: mail.text ?? '',
        };
      } else if (found.contentKind === 'final') {
        message = { asSent: false, html: found.bodyHtml, text: found.bodyText };
      }
      return {
        id: found.id,
        status: found.status,
        to: found.to,
        subject: found.subject,
        senderUserId: found.senderUserId,
        message,
        holdReason: found.holdReason,
        smtpResponse: found.lastError ?? found.smtpResponse,
        attempts: found.attempts,
        sentAt: found.status === 'sent' || found.status === 'bounced' ? found.sentAt : null,
        createdAt: found.createdAt,
        events: found.events.map((event) => ({
          id: event.id,
          type: event.type,
          machine: event.machine,
          occurredAt: event.occurredAt,
          data: z.record(z.string(), z.unknown()).catch({}).parse(JSON.parse(event.data)),
        })),
        replies: found.replies.map((reply) => ({
          from: reply.fromAddress,
          subject: reply.subject,
          text: reply.text,
          receivedAt: reply.receivedAt,
        })),
      };
    },
  );
}
