import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';
import { type FinalEmail, queueFinalEmail } from './final-email-repo.ts';

/** In-Reply-To and References of a reply written from the conversation view, kept beside its outbox row. */
export async function insertThreadHeaders(
  db: Kysely<Database>,
  input: { orgId: string; outboundMessageId: string; inReplyTo: string; references: string },
): Promise<void> {
  await db
    .insertInto('outbound_thread_headers')
    .values({
      org_id: input.orgId,
      outbound_message_id: input.outboundMessageId,
      in_reply_to: input.inReplyTo,
      references_header: input.references,
    })
    .execute();
}

export async function findThreadHeaders(
  db: Kysely<Database>,
  orgId: string,
  outboundIds: string[],
): Promise<Map<string, { inReplyTo: string; references: string }>> {
  const out = new Map<string, { inReplyTo: string; references: string }>();
  if (outboundIds.length === 0) return out;
  const rows = await db
    .selectFrom('outbound_thread_headers')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('outbound_message_id', 'in', outboundIds)
    .execute();
  for (const row of rows) {
    out.set(row.outbound_message_id, { inReplyTo: row.in_reply_to, references: row.references_header });
  }
  return out;
}

/** Queues a reply written from the conversation view: final content, no step, no tracking, with its headers. */
export async function queueThreadReply(
  db: Kysely<Database>,
  input: FinalEmail & { inReplyTo: string; references: string },
): Promise<void> {
  await queueFinalEmail(db, { ...input, idempotencyKey: `reply:${input.id}` });
  await insertThreadHeaders(db, {
    orgId: input.orgId,
    outboundMessageId: input.id,
    inReplyTo: input.inReplyTo,
    references: input.references,
  });
}
