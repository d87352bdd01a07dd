import type { Kysely } from 'kysely';
import { findMessageByIds, findRecentSentTo, listRecentSentTo } from '../store/repos/inbound-match-repo.ts';
import { findMessageByMessageIds } from '../store/repos/mail-repo.ts';
import type { Database, InboundMatchedBy } from '../store/schema.ts';
import type { Classification } from './classify/index.ts';
import type { MessageView } from './classify/message.ts';
import { referencedIds } from './classify/original.ts';
import { verpMessageIds } from './verp.ts';

/**
 * Which email we sent an inbound message is about, in this order, always within the organisation (and mailbox)
 * it came in through:
 *  1. a correctly signed VERP token (src/mail/verp.ts) in the envelope recipient, the To/Delivered-To headers
 *     or the returned content (a forged or altered token is ignored);
 *  2. for reports (bounce, delay, delivered, complaint), the original's Message-ID in the returned content;
 *  3. the message's own In-Reply-To/References;
 *  4. for reports, our X-Stepwise-Message id in the returned content;
 *  5. for a failure, delay or complaint, the failed recipient among the organisation's recent sends;
 *  6. for a reply or automatic reply whose In-Reply-To/References name nothing we sent (a client that drops them,
 *     a provider that rewrote our Message-ID on the way out): a recent email sent to the address it comes from,
 *     whose subject it answers ("Re: <our subject>", Outlook's Thread-Topic, "Automatic reply: <our subject>").
 */

export interface MatchScope {
  orgId: string;
  senderUserId?: string | null;
}

const REPORTS = new Set<Classification['class']>(['bounce', 'delay', 'delivered', 'feedback']);

/** How far back the last-resort match by failed recipient looks. */
const RECIPIENT_MATCH_WINDOW_MS = 30 * 24 * 60 * 60 * 1000;

const VERP_IN_TEXT = /[A-Za-z0-9._-]+\+[0-9a-f]{32}-[0-9a-f]{16}@[A-Za-z0-9.-]+/gi;
const ADDRESS_HEADERS = ['to', 'delivered-to', 'x-original-to', 'envelope-to', 'x-envelope-to', 'x-rcpt-to'];

/** How many recent emails to the sender are compared by subject. */
const SENDER_MATCH_CANDIDATES = 20;

const squeeze = (text: string) => text.replace(/\s+/g, ' ').trim().toLowerCase();

/** Whether `subject` answers an email sent with `sent`: the same words, after nothing or after prefixes ending in ":". */
export function answersSubject(subject: string, sent: string): boolean {
  const theirs = squeeze(subject);
  const ours = squeeze(sent);
  if (ours.length === 0 || !theirs.endsWith(ours)) return false;
  const before = theirs.slice(0, theirs.length - ours.length).trim();
  return before === '' || before.endsWith(':');
}

export function isReport(result: Classification): boolean {
  return REPORTS.has(result.class);
}

/** Addresses that may carry our VERP token: the envelope first, then headers, then the returned content. */
export function verpCandidates(view: MessageView, envelopeTo: readonly string[]): string[] {
  const candidates = [...envelopeTo];
  for (const name of ADDRESS_HEADERS) {
    const value = view.header(name);
    if (value) candidates.push(...(value.match(VERP_IN_TEXT) ?? []));
  }
  candidates.push(...view.toAddresses);
  candidates.push(...(view.rawBody.slice(0, 256 * 1024).match(VERP_IN_TEXT) ?? []));
  return candidates;
}

/** Junk may put NUL anywhere; no database text may hold it (and no id of ours contains it). */
const usable = (values: readonly string[]) => values.filter((value) => !value.includes('\u0000'));

export async function matchInbound(
  db: Kysely<Database>,
  input: {
    scope: MatchScope;
    view: MessageView;
    result: Classification;
    envelopeTo: readonly string[];
    secretKey: string | undefined;
    now: number;
  },
) {
  const { scope, view, result } = input;
  const found = (by: InboundMatchedBy) => (message: Awaited<ReturnType<typeof findMessageByIds>>) =>
    message ? { message, matchedBy: by } : undefined;
  if (input.secretKey) {
    const ids = verpMessageIds(input.secretKey, verpCandidates(view, input.envelopeTo));
    const byVerp = found('verp')(await findMessageByIds(db, scope, ids));
    if (byVerp) return byVerp;
  }
  if (isReport(result)) {
    const byOriginal = found('message_id')(
      await findMessageByMessageIds(db, scope, usable(result.original.messageIds)),
    );
    if (byOriginal) return byOriginal;
  }
  const byReferences = found('references')(
    await findMessageByMessageIds(db, scope, usable(referencedIds(view))),
  );
  if (byReferences) return byReferences;
  if (isReport(result)) {
    const byOwnId = found('stepwise_id')(
      await findMessageByIds(db, scope, usable(result.original.stepwiseIds)),
    );
    if (byOwnId) return byOwnId;
  }
  const since = input.now - RECIPIENT_MATCH_WINDOW_MS;
  if (result.class === 'bounce' || result.class === 'delay' || result.class === 'feedback') {
    const addresses = result.recipients.flatMap((r) => (r.address ? [r.address] : []));
    return found('recipient')(await findRecentSentTo(db, scope, usable(addresses), since));
  }
  if (result.class === 'reply' || result.class === 'auto_reply' || result.class === 'challenge') {
    const sent = await listRecentSentTo(
      db,
      scope,
      usable([view.fromAddress]),
      since,
      SENDER_MATCH_CANDIDATES,
    );
    const topic = view.header('thread-topic');
    const answered = sent.find(
      (message) =>
        answersSubject(view.subject, message.subject) ||
        (topic !== undefined && squeeze(topic) === squeeze(message.subject)),
    );
    return found('sender')(answered);
  }
  return undefined;
}
