import { z } from 'zod';
import {
  findInboundMessage,
  type InboundMessageSummary,
  listInboundMessages,
} from '../../store/repos/inbound-messages-repo.ts';
import type { ApiApp } from '../app.ts';
import { requireOrgPermission } from '../auth/guard.ts';
import type { AppDeps } from '../deps.ts';
import { decodeCursor, PageQuerySchema, pageSchema, toPage } from '../pagination.ts';
import { notFoundProblem, ProblemSchema } from '../problems.ts';

/**
 * The inbound-message log (admins): every message the SMTP listener, the MIME endpoint or the IMAP poller took
 * in during the last 30 days, with its class, what matched it to an email we sent and what intake did — so a
 * wrong call can be checked against the raw source. The source is returned as text inside JSON, never as HTML.
 */

const CLASSES = [
  'bounce',
  'delay',
  'delivered',
  'feedback',
  'auto_reply',
  'challenge',
  'reply',
  'other',
  'unreadable',
] as const;

export const InboundMessageSchema = z
  .object({
    id: z.string(),
    via: z.enum(['smtp', 'http', 'imap']),
    receivedAt: z.number().int(),
    from: z.string().nullable(),
    subject: z.string().nullable(),
    messageId: z.string().nullable(),
    class: z.string(),
    detail: z.string().nullable(),
    outcome: z.string(),
    reason: z.string().nullable(),
    outboundMessageId: z.string().nullable(),
    matchedBy: z.enum(['verp', 'message_id', 'references', 'stepwise_id', 'recipient', 'sender']).nullable(),
    sizeBytes: z.number().int(),
  })
  .meta({ id: 'InboundMessage' });

export const InboundMessageDetailSchema = InboundMessageSchema.extend({
  /** The raw source decoded as UTF-8 (invalid bytes replaced), at most 1 MB of it. */
  source: z.string(),
  sourceTruncated: z.boolean(),
}).meta({ id: 'InboundMessageDetail' });

const SOURCE_LIMIT = 1024 * 1024;

const toItem = (row: InboundMessageSummary): z.infer<typeof InboundMessageSchema> => ({
  id: row.id,
  via: row.via,
  receivedAt: row.received_at,
  from: row.from_address,
  subject: row.subject,
  messageId: row.message_id,
  class: row.class,
  detail: row.detail,
  outcome: row.outcome,
  reason: row.reason,
  outboundMessageId: row.outbound_message_id,
  matchedBy: row.matched_by,
  sizeBytes: row.size_bytes,
});

const IdParams = z.object({ id: z.string().min(1).max(100) });

export async function inboundMessageRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  app.get(
    '/api/inbound/messages',
    {
      schema: {
        tags: ['mail'],
        summary: 'Inbound messages of the last 30 days, newest first, with class and match (admins)',
        querystring: PageQuerySchema.extend({
          class: z.enum(CLASSES).optional(),
          search: z.string().min(1).max(320).optional(),
        }),
        response: {
          200: pageSchema(InboundMessageSchema),
          400: ProblemSchema,
          401: ProblemSchema,
          403: ProblemSchema,
        },
      },
    },
    async (request) => {
      const actor = await requireOrgPermission(deps, request, 'manage_org');
      const { limit, cursor, search } = request.query;
      const before = decodeCursor(cursor, z.object({ id: z.string().max(100) }));
      const rows = await listInboundMessages(deps.store.db, actor.orgId, {
        limit: limit + 1,
        before: before?.id,
        class: request.query.class,
        q: search,
      });
      return toPage(rows, limit, toItem, (row) => ({ id: row.id }));
    },
  );

  app.get(
    '/api/inbound/messages/:id',
    {
      schema: {
        tags: ['mail'],
        summary: 'One inbound message with its raw source as text (admins)',
        params: IdParams,
        response: {
          200: InboundMessageDetailSchema,
          401: ProblemSchema,
          403: ProblemSchema,
          404: ProblemSchema,
        },
      },
    },
    async (request) => {
      const actor = await requireOrgPermission(deps, request, 'manage_org');
      const row = await findInboundMessage(deps.store.db, actor.orgId, request.params.id);
      if (!row) throw notFoundProblem('Inbound message');
      const raw = Buffer.from(row.raw_base64, 'base64');
      return {
        ...toItem(row),
        source: raw.subarray(0, SOURCE_LIMIT).toString('utf8'),
        sourceTruncated: raw.length > SOURCE_LIMIT,
      };
    },
  );
}
