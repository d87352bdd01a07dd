import { z } from 'zod';
import { decideOrg } from '../../domain/permissions/permissions.ts';
import { processInboundMime } from '../../mail/inbound.ts';
import { inboundSecret, safeEqualText } from '../../mail/secrets.ts';
import type { ApiApp } from '../app.ts';
import { requireActor } from '../auth/authenticate.ts';
import { enforce, loadPolicy } from '../auth/guard.ts';
import type { AppDeps } from '../deps.ts';
import { HttpProblem, ProblemSchema } from '../problems.ts';

/**
 * Inbound mail: replies, out-of-office answers and bounces as raw RFC 5322 messages, from an MTA pipe
 * (`curl --data-binary @-`) or a provider's inbound webhook. Authenticated by the inbound secret
 * (`X-Stepwise-Inbound-Secret` header or `?secret=`) or an admin's token/session.
 */
const RAW_TYPES = ['message/rfc822', 'application/octet-stream'];

const OutcomeSchema = z
  .object({
    kind: z.enum(['reply', 'auto_reply', 'bounce', 'unmatched']),
    outboundMessageId: z.string().optional(),
    duplicate: z.boolean().optional(),
    hard: z.boolean().optional(),
    status: z.string().optional(),
    reason: z.string().optional(),
  })
  .meta({ id: 'InboundOutcome' });

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
  const secret = inboundSecret(deps.config.secretKey);

  app.post(
    '/api/inbound/mime',
    {
      schema: {
        tags: ['mail'],
        summary: 'Take one inbound email (raw RFC 5322: reply, automatic reply or bounce report)',
        description:
          'Send the raw message as the body with Content-Type message/rfc822 (or text/plain, ' +
          'application/octet-stream), or JSON `{ "mime": "<raw message>" }`. Authenticate with the inbound ' +
          'secret (header X-Stepwise-Inbound-Secret or ?secret=) or as an admin.',
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
    },
    async (request) => {
      const given = request.headers['x-stepwise-inbound-secret'] ?? request.query.secret;
      if (typeof given === 'string' && given) {
        if (!safeEqualText(given, secret))
          throw new HttpProblem(401, 'invalid_inbound_secret', 'Wrong inbound secret');
      } else {
        const actor = requireActor(request);
        enforce(decideOrg(actor, await loadPolicy(deps, request, actor.orgId), 'manage_org'), 'Inbound mail');
      }
      const body: unknown = request.body;
      let raw: Buffer | string | null = null;
      if (Buffer.isBuffer(body) || typeof body === 'string') raw = body;
      else if (body && typeof body === 'object' && typeof (body as { mime?: unknown }).mime === 'string') {
        raw = (body as { mime: string }).mime;
      }
      if (!raw || raw.length === 0) {
        throw new HttpProblem(400, 'empty_message', 'Send the raw message as the request body');
      }
      return processInboundMime(deps, raw).catch(refuseUnparseable);
    },
  );

  app.get(
    '/api/inbound/settings',
    {
      schema: {
        tags: ['mail'],
        summary: 'Where to point an MTA or a provider inbound webhook (admins)',
        response: {
          200: z.object({ url: z.string(), secret: z.string(), urlWithSecret: z.string() }),
          403: ProblemSchema,
        },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      enforce(decideOrg(actor, await loadPolicy(deps, request, actor.orgId), 'manage_org'), 'Inbound mail');
      const url = `${deps.config.publicUrl}/api/inbound/mime`;
      return { url, secret, urlWithSecret: `${url}?secret=${encodeURIComponent(secret)}` };
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
