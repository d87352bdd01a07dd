import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Actor } from '../../domain/identity.ts';
import { renderComposed } from '../../mail/compose.ts';
import {
  buildConversation,
  type ConversationItem,
  type ConversationThread,
  quoteOf,
  referencesFor,
} from '../../mail/conversation.ts';
import { messageIdFor } from '../../mail/delivery.ts';
import { htmlToText } from '../../mail/html-text.ts';
import { newId } from '../../store/ids.ts';
import { recordAudit } from '../../store/repos/audit-repo.ts';
import { emailsOfRecord, engagementOfRecord } from '../../store/repos/conversation-repo.ts';
import { repliesOfRecord } from '../../store/repos/inbound-replies-repo.ts';
import { queueThreadReply } from '../../store/repos/thread-headers-repo.ts';
import type { ApiApp } from '../app.ts';
import { requireActor } from '../auth/authenticate.ts';
import type { AppDeps } from '../deps.ts';
import { HttpProblem, notFoundProblem, ProblemSchema } from '../problems.ts';
import { loadRecordFor } from './connection-route-support.ts';

const EventSchema = z.object({
  type: z.enum(['open', 'click', 'bounce']),
  machine: z.boolean(),
  url: z.string().nullable(),
  at: z.number(),
});

const ItemSchema = z.object({
  kind: z.enum(['sent', 'reply']),
  id: z.string(),
  messageId: z.string(),
  inReplyTo: z.string().nullable(),
  from: z.string().nullable(),
  to: z.string().nullable(),
  subject: z.string(),
  /** Sanitised HTML (inbound with sanitize-html; our open pixel removed). Show it in a sandboxed frame. */
  html: z.string(),
  text: z.string(),
  status: z.string(),
  detail: z.string().nullable(),
  at: z.number(),
  events: z.array(EventSchema),
});

const ConversationSchema = z
  .object({
    threads: z.array(
      z.object({ id: z.string(), subject: z.string(), lastAt: z.number(), items: z.array(ItemSchema) }),
    ),
  })
  .meta({ id: 'Conversation' });

const ReplyBody = z.strictObject({
  /** The Message-ID of the message answered (an email we sent or a reply we received). */
  replyTo: z.string().min(1).max(1000),
  /** Text, sent as written (never rendered: it usually repeats the subject of the message answered). */
  subject: z.string().trim().min(1).max(500),
  /** Template source (placeholders allowed), rendered once for the record; the quoted thread is added as data. */
  html: z.string().min(1).max(500_000),
});

const ReplyPreview = z.object({
  to: z.string().nullable(),
  subject: z.string(),
  html: z.string(),
  text: z.string(),
  missing: z.array(z.string()),
  errors: z.array(z.string()),
  inReplyTo: z.string(),
  references: z.array(z.string()),
});

/** The conversation view of a record, and replying in its thread (In-Reply-To and References set). */
export async function conversationRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  async function load(request: FastifyRequest, actor: Actor, recordId: string, action: 'view' | 'act') {
    const record = await loadRecordFor(deps, request, actor, recordId, action);
    const db = deps.store.db;
    const [emails, replies, events] = await Promise.all([
      emailsOfRecord(db, actor.orgId, record.id),
      repliesOfRecord(db, actor.orgId, record.id),
      engagementOfRecord(db, actor.orgId, record.id),
    ]);
    return { record, threads: buildConversation(emails, replies, events) };
  }

  /** The reply, rendered exactly as it will be sent: the seller's source rendered once, then the quote. */
  async function draftReply(
    request: FastifyRequest,
    actor: Actor,
    recordId: string,
    body: z.infer<typeof ReplyBody>,
  ) {
    const { record, threads } = await load(request, actor, recordId, 'act');
    let found: { thread: ConversationThread; item: ConversationItem } | undefined;
    for (const thread of threads) {
      const item = thread.items.find((candidate) => candidate.messageId === body.replyTo);
      if (item) found = { thread, item };
    }
    if (!found) throw notFoundProblem('Message');
    // Only the body is the seller's template source. The subject is text: the web app fills it in from the message
    // answered (a prospect's subject, or ours carrying record values), so it is never rendered.
    const rendered = await renderComposed(
      deps.store.db,
      { org_id: actor.orgId, id: record.id, connection_id: '', record_id: record.id },
      actor.userId,
      { subject: '', html: body.html },
    );
    const html = `${rendered.html}${quoteOf(found.item)}`;
    const to = found.item.kind === 'reply' ? (found.item.from ?? record.email) : found.item.to;
    return {
      record,
      preview: {
        to: to ?? null,
        subject: body.subject.replace(/\s+/g, ' ').trim(),
        html,
        text: htmlToText(html),
        missing: rendered.missing,
        errors: rendered.errors,
        inReplyTo: found.item.messageId,
        references: referencesFor(found.thread, found.item),
      },
    };
  }

  const Id = z.object({ id: z.string().min(1).max(100) });

  app.get(
    '/api/records/:id/conversation',
    {
      schema: {
        tags: ['records'],
        summary: 'Every email sent to the record (as sent, with opens and clicks) and every reply, by thread',
        params: Id,
        response: { 200: ConversationSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      return { threads: (await load(request, actor, request.params.id, 'view')).threads };
    },
  );

  app.post(
    '/api/records/:id/reply/preview',
    {
      schema: {
        tags: ['records'],
        summary: 'Preview a reply in a thread of the conversation, exactly as it is sent',
        params: Id,
        body: ReplyBody,
        response: { 200: ReplyPreview, 403: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      return (await draftReply(request, actor, request.params.id, request.body)).preview;
    },
  );

  app.post(
    '/api/records/:id/reply',
    {
      schema: {
        tags: ['records'],
        summary: 'Reply in a thread: sent with In-Reply-To and References, the thread quoted',
        params: Id,
        body: ReplyBody,
        response: {
          202: z.object({ outboundMessageId: z.string() }),
          403: ProblemSchema,
          404: ProblemSchema,
          409: ProblemSchema,
          422: ProblemSchema,
        },
      },
    },
    async (request, reply) => {
      const actor = requireActor(request);
      const { record, preview } = await draftReply(request, actor, request.params.id, request.body);
      if (!preview.to) throw new HttpProblem(422, 'no_email_address', 'The record has no email address');
      if (record.do_not_email === 1) {
        throw new HttpProblem(409, 'do_not_email', 'The record is marked do not email');
      }
      if (preview.errors.length > 0 || preview.missing.length > 0) {
        throw new HttpProblem(
          422,
          preview.errors.length > 0 ? 'template_error' : 'missing_placeholders',
          `Fix before sending: ${[...preview.errors, ...preview.missing].join(', ')}`,
        );
      }
      const now = deps.clock.now();
      const id = newId(now);
      const to = preview.to;
      await deps.store.db.transaction().execute(async (trx) => {
        await queueThreadReply(trx, {
          orgId: actor.orgId,
          id,
          recordId: record.id,
          senderId: actor.userId,
          to,
          subject: preview.subject,
          html: preview.html,
          messageId: messageIdFor({ id, message_id: '' }, deps.config.publicUrl),
          inReplyTo: preview.inReplyTo,
          references: preview.references.join(' '),
          now,
        });
        await recordAudit(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          action: 'email.reply',
          resourceType: 'record',
          resourceId: record.id,
          after: { outboundMessageId: id, to, subject: preview.subject, inReplyTo: preview.inReplyTo },
          at: now,
        });
      });
      return reply.code(202).send({ outboundMessageId: id });
    },
  );
}
