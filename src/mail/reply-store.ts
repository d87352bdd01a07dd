import type { Kysely } from 'kysely';
import { hasReplyOfRecord, insertInboundReply } from '../store/repos/inbound-replies-repo.ts';
import type { Database } from '../store/schema.ts';
import type { MessageView } from './classify/message.ts';
import type { MessageRef } from './engagement.ts';

/** Replies are kept up to this size (HTML and text each); a longer reply is cut, never refused. */
const MAX_PART = 512 * 1024;

/** Junk may carry NUL anywhere; database text (PostgreSQL) cannot hold it. */
const clean = (value: string) => value.replaceAll('\u0000', '');

/**
 * Keeps a reply in full for the conversation view: its HTML exactly as received (sanitised with sanitize-html
 * when shown, see src/mail/conversation.ts) and its text, threaded by its Message-ID and In-Reply-To.
 */
export async function storeReply(
  db: Kysely<Database>,
  message: MessageRef,
  view: MessageView,
  inboundKey: string,
  now: number,
): Promise<void> {
  const inReplyTo = clean(view.header('in-reply-to') ?? '').match(/<[^<>\s]+>/)?.[0] ?? null;
  // Threaded under what it answers when that is in the conversation (our email, or a reply already kept); else
  // (a reply to a forward of our email, to a Message-ID our provider rewrote) under the email it was matched to.
  const known =
    inReplyTo !== null &&
    (inReplyTo === message.message_id ||
      (message.record_id !== null &&
        (await hasReplyOfRecord(db, message.org_id, message.record_id, inReplyTo))));
  await insertInboundReply(db, {
    org_id: message.org_id,
    outbound_message_id: message.id,
    record_id: message.record_id,
    message_id: inboundKey.slice(0, 500),
    in_reply_to: known ? inReplyTo : message.message_id,
    from_address: clean(view.fromAddress ?? '') || null,
    subject: clean(view.subject || '').slice(0, 1000),
    html: clean(view.html ?? '').slice(0, MAX_PART),
    text: clean(view.body).slice(0, MAX_PART),
    received_at: now,
  });
}
