import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { decideOrg } from '../../domain/permissions/permissions.ts';
import { type InboundScope, processInboundMime } from '../../mail/inbound.ts';
import { inboundSecretId, inboundSecretMatches, newInboundSecret } from '../../mail/inbound-credentials.ts';
import { recordAudit } from '../../store/repos/audit-repo.ts';
import {
  findInboundCredential,
  type InboundCredentialRow,
  insertInboundCredential,
  listInboundCredentials,
  revokeInboundCredential,
  touchInboundCredential,
} from '../../store/repos/inbound-credentials-repo.ts';
import { findMailbox } from '../../store/repos/mailbox-repo.ts';
import type { ApiApp } from '../app.ts';
import { requireActor } from '../auth/authenticate.ts';
import { enforce, loadPolicy } from '../auth/guard.ts';
import type { AppDeps } from '../deps.ts';
import { HttpProblem, notFoundProblem, ProblemSchema } from '../problems.ts';

/**
 * Inbound mail: replies, out-of-office answers and bounces as raw RFC 5322 messages, from an MTA pipe
 * (`curl --data-binary @-`) or a provider's inbound webhook. Authenticated by an inbound credential of one
 * organisation (optionally of one mailbox) — header `X-Stepwise-Inbound-Secret` — or an admin's token/session.
 * Either way the message is matched only against that organisation's (that mailbox's) emails.
 */
const RAW_TYPES = ['message/rfc822', 'application/octet-stream'];

const OutcomeSchema = z
  .object({
    kind: z.enum(['reply', 'auto_reply', 'bounce', 'delay', 'complaint', 'ignored', 'unmatched']),
    outboundMessageId: z.string().optional(),
    duplicate: z.boolean().optional(),
    hard: z.boolean().optional(),
    status: z.string().optional(),
    reason: z.string().optional(),
  })
  .meta({ id: 'InboundOutcome' });

const CredentialSchema = z
  .object({
    id: z.string(),
    label: z.string(),
    mailboxId: z.string().nullable(),
    createdAt: z.number(),
    lastUsedAt: z.number().nullable(),
  })
  .meta({ id: 'InboundCredential' });

const CreateCredentialBody = z.strictObject({
  label: z.string().trim().min(1).max(100),
  /** Tie the secret to one mailbox: mail posted with it matches only emails sent from that mailbox. */
  mailboxId: z.string().min(1).max(100).nullable().optional(),
});

function toCredential(row: InboundCredentialRow): z.infer<typeof CredentialSchema> {
  return {
    id: row.id,
    label: row.label,
    mailboxId: row.mailbox_id,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
  };
}

const WRONG_SECRET = () => new HttpProblem(401, 'invalid_inbound_secret', 'Wrong or revoked inbound secret');

export async function inboundRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  for (const type of RAW_TYPES) {
    if (!app.hasContentTypeParser(type)) {
      app.addContentTypeParser(
        type,
        { parseAs: 'buffer', bodyLimit: 25 * 1024 * 1024 },
        (_request, body, done) => done(null, body),
      );
    }
  }
  /** The organisation (and mailbox owner) the presented secret belongs to, or the admin's organisation. */
  async function scopeOf(
    request: FastifyRequest<{ Querystring: { secret?: string } }>,
  ): Promise<InboundScope> {
    const given = request.headers['x-stepwise-inbound-secret'] ?? request.query.secret;
    if (typeof given === 'string' && given) {
      const id = inboundSecretId(given);
      const credential = id ? await findInboundCredential(deps.store.db, id) : undefined;
      if (
        !credential ||
        credential.revoked_at !== null ||
        !inboundSecretMatches(given, credential.secret_hash)
      ) {
        throw WRONG_SECRET();
      }
      let senderUserId: string | null = null;
      if (credential.mailbox_id) {
        const mailbox = await findMailbox(deps.store.db, credential.org_id, credential.mailbox_id);
        if (!mailbox) throw WRONG_SECRET();
        senderUserId = mailbox.user_id;
      }
      await touchInboundCredential(deps.store.db, credential.org_id, credential.id, deps.clock.now());
      return { orgId: credential.org_id, senderUserId };
    }
    const actor = requireActor(request);
    enforce(decideOrg(actor, await loadPolicy(deps, request, actor.orgId), 'manage_org'), 'Inbound mail');
    return { orgId: actor.orgId };
  }

  async function requireInboundAdmin(request: FastifyRequest) {
    const actor = requireActor(request);
    enforce(decideOrg(actor, await loadPolicy(deps, request, actor.orgId), 'manage_org'), 'Inbound mail');
    return actor;
  }

  app.post(
    '/api/inbound/mime',
    {
      schema: {
        tags: ['mail'],
        summary: 'Take one inbound email (raw RFC 5322: reply, automatic reply or bounce report)',
        description:
          'Send the raw message as the body with Content-Type message/rfc822 (or text/plain, ' +
          'application/octet-stream), or JSON `{ "mime": "<raw message>" }`. Authenticate with an inbound ' +
          'credential of your organisation (header X-Stepwise-Inbound-Secret; `?secret=` only for providers ' +
          "that cannot set headers) or as an admin. Only your organisation's emails are matched.",
        querystring: z.object({ secret: z.string().max(200).optional() }),
        response: {
          200: OutcomeSchema,
          400: ProblemSchema,
          401: ProblemSchema,
          403: ProblemSchema,
          413: ProblemSchema,
        },
      },
      bodyLimit: 25 * 1024 * 1024,
      // Per client address, counted in the database across processes (src/api/rate-limits.ts).
      config: { rateLimit: { max: 600, timeWindow: '1 minute' } },
    },
    async (request) => {
      const scope = await scopeOf(request);
      const body: unknown = request.body;
      let raw: Buffer | string | null = null;
      if (Buffer.isBuffer(body) || typeof body === 'string') raw = body;
      else if (body && typeof body === 'object' && typeof (body as { mime?: unknown }).mime === 'string') {
        raw = (body as { mime: string }).mime;
      }
      if (!raw || raw.length === 0) {
        throw new HttpProblem(400, 'empty_message', 'Send the raw message as the request body');
      }
      return processInboundMime(deps, raw, scope).catch(refuseUnparseable);
    },
  );

  app.get(
    '/api/inbound/settings',
    {
      schema: {
        tags: ['mail'],
        summary: "Where to point an MTA or a provider's inbound webhook, and this organisation's credentials",
        response: {
          200: z.object({ url: z.string(), credentials: z.array(CredentialSchema) }),
          403: ProblemSchema,
        },
      },
    },
    async (request) => {
      const actor = await requireInboundAdmin(request);
      const rows = await listInboundCredentials(deps.store.db, actor.orgId);
      return { url: `${deps.config.publicUrl}/api/inbound/mime`, credentials: rows.map(toCredential) };
    },
  );

  app.post(
    '/api/inbound/credentials',
    {
      schema: {
        tags: ['mail'],
        summary: 'Create an inbound credential (the secret is shown once)',
        body: CreateCredentialBody,
        response: {
          201: CredentialSchema.extend({ secret: z.string(), url: z.string() }),
          403: ProblemSchema,
          404: ProblemSchema,
        },
      },
    },
    async (request, reply) => {
      const actor = await requireInboundAdmin(request);
      const mailboxId = request.body.mailboxId ?? null;
      if (mailboxId && !(await findMailbox(deps.store.db, actor.orgId, mailboxId)))
        throw notFoundProblem('Mailbox');
      const now = deps.clock.now();
      const made = newInboundSecret(now);
      const row: InboundCredentialRow = {
        org_id: actor.orgId,
        id: made.id,
        mailbox_id: mailboxId,
        label: request.body.label,
        secret_hash: made.hash,
        created_by: actor.userId,
        created_at: now,
        last_used_at: null,
        revoked_at: null,
      };
      await deps.store.db.transaction().execute(async (trx) => {
        await insertInboundCredential(trx, row);
        await recordAudit(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          action: 'inbound_credential.create',
          resourceType: 'inbound_credential',
          resourceId: row.id,
          after: { label: row.label, mailboxId },
          at: now,
        });
      });
      return reply.code(201).send({
        ...toCredential(row),
        secret: made.secret,
        url: `${deps.config.publicUrl}/api/inbound/mime`,
      });
    },
  );

  app.delete(
    '/api/inbound/credentials/:id',
    {
      schema: {
        tags: ['mail'],
        summary: 'Revoke an inbound credential',
        params: z.object({ id: z.string().min(1).max(100) }),
        response: { 204: z.null(), 403: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request, reply) => {
      const actor = await requireInboundAdmin(request);
      const now = deps.clock.now();
      const revoked = await deps.store.db.transaction().execute(async (trx) => {
        const done = await revokeInboundCredential(trx, actor.orgId, request.params.id, now);
        if (done) {
          await recordAudit(trx, {
            orgId: actor.orgId,
            actorId: actor.userId,
            action: 'inbound_credential.revoke',
            resourceType: 'inbound_credential',
            resourceId: request.params.id,
            at: now,
          });
        }
        return done;
      });
      if (!revoked) throw notFoundProblem('Inbound credential');
      return reply.code(204).send(null);
    },
  );
}

/**
 * The MIME parser refuses a header block over its limit (a 1 MB `Subject:` and the like) with `EMAXLEN`: that is
 * the sender's fault, so it is a 413 with a code, not a 500.
 */
function refuseUnparseable(error: unknown): never {
  if ((error as { code?: unknown } | null)?.code === 'EMAXLEN') {
    throw new HttpProblem(413, 'message_header_too_large', 'A header of the message is larger than allowed');
  }
  throw error;
}
