import type { Clock } from '../engine/clock.ts';
import type { Store } from '../store/db.ts';
import { findMessageByIds, findRecentSentTo } from '../store/repos/inbound-match-repo.ts';
import { findMessageByMessageIds } from '../store/repos/mail-repo.ts';
import { type Classification, classifyView } from './classify/index.ts';
import { type MessageView, readMessage } from './classify/message.ts';
import { referencedIds } from './classify/original.ts';
import { shortHash } from './engagement.ts';
import { applyInbound, type InboundEffect } from './inbound-effects.ts';
import { countInbound } from './mail-metrics.ts';
import { storeReply } from './reply-store.ts';

/**
 * Inbound mail (an MTA pipe, a provider's inbound webhook or the IMAP poller all end here): the raw message is
 * classified (src/mail/classify: bounce, delay, delivered, complaint, automatic reply, challenge, reply, other),
 * matched to the email we sent within the organisation (and mailbox) it came through, and its effects applied
 * once (src/mail/inbound-effects.ts). A bounce is never a reply: the classifier decides before matching.
 */

export type InboundOutcome =
  | { kind: 'reply'; outboundMessageId: string; duplicate: boolean }
  | { kind: 'auto_reply'; outboundMessageId: string; duplicate: boolean; reason: string }
  | {
      kind: 'bounce';
      outboundMessageId: string;
      duplicate: boolean;
      hard: boolean;
      status: string;
      reason: string;
    }
  | { kind: 'delay'; outboundMessageId: string; duplicate: boolean; status: string }
  | { kind: 'complaint'; outboundMessageId: string; duplicate: boolean; reason: string }
  | { kind: 'ignored'; outboundMessageId: string; reason: string }
  | { kind: 'unmatched'; reason: string };

export interface InboundDeps {
  store: Store;
  clock: Clock;
}

/**
 * Where an inbound message came in: the organisation whose credential, admin session or mailbox delivered it, and
 * for a seller's own mailbox (IMAP or a mailbox credential) that seller — only their emails can be matched.
 */
export interface InboundScope {
  orgId: string;
  senderUserId?: string | null;
}

/** How far back the last-resort match by failed recipient looks. */
const RECIPIENT_MATCH_WINDOW_MS = 30 * 24 * 60 * 60 * 1000;

const REPORTS = new Set<Classification['class']>(['bounce', 'delay', 'delivered', 'feedback']);

/** The reply's own words: quoted history ("On … wrote:", "> …") cut off, whitespace squeezed. */
export function replySnippet(text: string | undefined): string {
  if (!text) return '';
  const lines: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (/^\s*>/.test(line)) break;
    if (
      /^(On .+wrote:|Am .+schrieb|Le .+a écrit|W dniu .+pisze:|-----Original Message-----)/i.test(line.trim())
    )
      break;
    lines.push(line);
  }
  return lines.join(' ').replace(/\s+/g, ' ').trim().slice(0, 300);
}

/**
 * The email we sent, in this order: the original's Message-ID in the returned content (reports only), the
 * message's own In-Reply-To/References, our X-Stepwise-Message id, and for a failure the failed recipient among
 * the organisation's recent sends.
 */
async function matchMessage(
  deps: InboundDeps,
  scope: InboundScope,
  view: MessageView,
  result: Classification,
) {
  const db = deps.store.db;
  const references = referencedIds(view);
  const ids = REPORTS.has(result.class) ? [...result.original.messageIds, ...references] : references;
  const byMessageId = await findMessageByMessageIds(db, scope, ids);
  if (byMessageId) return byMessageId;
  if (REPORTS.has(result.class)) {
    const byOwnId = await findMessageByIds(db, scope, result.original.stepwiseIds);
    if (byOwnId) return byOwnId;
  }
  if (result.class === 'bounce' || result.class === 'delay' || result.class === 'feedback') {
    const addresses = result.recipients.flatMap((r) => (r.address ? [r.address] : []));
    return findRecentSentTo(db, scope, addresses, deps.clock.now() - RECIPIENT_MATCH_WINDOW_MS);
  }
  return undefined;
}

function outcome(outboundMessageId: string, effect: InboundEffect): InboundOutcome {
  switch (effect.kind) {
    case 'reply':
      return { kind: 'reply', outboundMessageId, duplicate: effect.duplicate };
    case 'auto_reply':
      return { kind: 'auto_reply', outboundMessageId, duplicate: effect.duplicate, reason: effect.reason };
    case 'bounce':
      return {
        kind: 'bounce',
        outboundMessageId,
        duplicate: effect.duplicate,
        hard: effect.hard,
        status: effect.status,
        reason: effect.reason,
      };
    case 'delay':
      return { kind: 'delay', outboundMessageId, duplicate: effect.duplicate, status: effect.status };
    case 'complaint':
      return {
        kind: 'complaint',
        outboundMessageId,
        duplicate: effect.duplicate,
        reason: effect.feedbackType,
      };
    case 'ignored':
      return { kind: 'ignored', outboundMessageId, reason: effect.reason };
    default: {
      const never: never = effect;
      return never;
    }
  }
}

/** Reads, classifies, matches and applies one inbound message, and counts it by class (/api/metrics). */
export async function processInboundMime(
  deps: InboundDeps,
  raw: Buffer | string,
  scope: InboundScope,
): Promise<InboundOutcome> {
  const result = await processMime(deps, raw, scope);
  countInbound(result);
  return result;
}

async function processMime(
  deps: InboundDeps,
  raw: Buffer | string,
  scope: InboundScope,
): Promise<InboundOutcome> {
  let view: MessageView;
  try {
    view = await readMessage(raw);
  } catch (error) {
    // Too large to read is the sender's problem to hear about (the route answers 413); anything else is junk.
    if ((error as { code?: unknown } | null)?.code === 'EMAXLEN') throw error;
    return { kind: 'unmatched', reason: 'the message could not be read' };
  }
  const result = classifyView(view);
  const message = await matchMessage(deps, scope, view, result);
  if (!message) {
    return {
      kind: 'unmatched',
      reason: REPORTS.has(result.class)
        ? `${result.class} report for an email this organisation did not send`
        : 'no In-Reply-To or References matches an email we sent',
    };
  }
  const source = typeof raw === 'string' ? raw : raw.subarray(0, 64 * 1024).toString('latin1');
  const inboundKey = view.ownMessageId ?? shortHash(source);
  const effect = await deps.store.db.transaction().execute(async (trx) => {
    const applied = await applyInbound(trx, message, result, {
      inboundKey,
      from: view.fromAddress || null,
      subject: view.subject || null,
      snippet: replySnippet(view.body),
      now: deps.clock.now(),
    });
    // The conversation view shows every reply in full (its HTML is sanitised when shown, never here).
    if (applied.kind === 'reply') await storeReply(trx, message, view, inboundKey, deps.clock.now());
    return applied;
  });
  return outcome(message.id, effect);
}
