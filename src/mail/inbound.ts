import type { Clock } from '../engine/clock.ts';
import type { Store } from '../store/db.ts';
import { findKeptInbound } from '../store/repos/inbound-messages-repo.ts';
import type { InboundVia } from '../store/schema.ts';
import { classifyView } from './classify/index.ts';
import { type MessageView, readMessage } from './classify/message.ts';
import { shortHash } from './engagement.ts';
import { applyInbound, type InboundEffect } from './inbound-effects.ts';
import { inboundDedupeKey, keepInbound } from './inbound-log.ts';
import { isReport, matchInbound } from './inbound-match.ts';
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
  /** The key VERP tokens are signed with; without it, VERP matching is skipped. */
  config?: { secretKey: string };
}

/**
 * Where an inbound message came in: the organisation whose credential, admin session or mailbox delivered it, and
 * for a seller's own mailbox (IMAP or a mailbox credential) that seller — only their emails can be matched.
 */
export interface InboundScope {
  orgId: string;
  senderUserId?: string | null;
}

/** The first line of a quoted original, as mail clients write it in several languages. */
const ATTRIBUTION =
  /^(On .+wrote:|Am .+schrieb|Le .+a écrit|W dniu .+pisze:|-{2,} ?(Original Message|Ursprüngliche Nachricht|Oryginalna wiadomość|Message d'origine|Messaggio originale|Mensaje original) ?-{2,})/i;
/** "… wrote:" at the end of a line: the attribution's last line when the client wrapped it. */
const WROTE =
  /(wrote|napisał(\(a\)|a)?|pisze|schrieb|a écrit|escribió|ha scritto|schreef|skrev|kirjoitti|írta|napsal(\(a\)|a)?)\s*:$/i;
/** Outlook's quoted header block: "From: …" then "Sent: …" (or Date) within the next lines, in the client's language. */
const HEADER_FROM = /^\*?(From|Von|De|Od|Da|Van|Fra|Från|Lähettäjä|Feladó|От|差出人)\s*:/i;
const HEADER_SENT =
  /^\*?(Sent|Date|Gesendet|Datum|Envoyé|Wysłano|Wysłane|Data|Inviato|Enviado|Verzonden|Skickat|Sendt|Lähetetty|Elküldve|Odesláno|Отправлено|送信日時)\s*:/i;

function quotedHeaderBlock(lines: string[], at: number): boolean {
  if (!HEADER_FROM.test(lines[at]?.trim() ?? '')) return false;
  return lines.slice(at + 1, at + 4).some((line) => HEADER_SENT.test(line.trim()));
}

/**
 * The reply's own words: quoted history ("On … wrote:" in any of the usual languages, "> …", Outlook's separator
 * line and quoted "From:/Sent:" block, "-----Original Message-----") cut off, whitespace squeezed.
 */
export function replySnippet(text: string | undefined): string {
  if (!text) return '';
  const all = text.split(/\r?\n/);
  const lines: string[] = [];
  for (const [index, line] of all.entries()) {
    const trimmed = line.trim();
    if (/^\s*>/.test(line) || /^_{8,}$/.test(trimmed) || ATTRIBUTION.test(trimmed)) break;
    if (quotedHeaderBlock(all, index)) break;
    if (WROTE.test(trimmed)) {
      // A wrapped attribution ("On Mon, … Sam <" / "sam@seller.test> wrote:") started on the line before.
      if (/^(On|Am|Le|W dniu|El|Il|Op|Den|Dne)\s/.test(lines.at(-1)?.trim() ?? '')) lines.pop();
      break;
    }
    lines.push(line);
  }
  return lines.join(' ').replace(/\s+/g, ' ').trim().slice(0, 300);
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

/** Junk may carry NUL anywhere. */
function withoutNul(bytes: Buffer): Buffer {
  return bytes.includes(0) ? Buffer.from(bytes.filter((byte) => byte !== 0)) : bytes;
}

/** Junk may carry NUL anywhere; database text cannot hold it. */
function noNul(value: string | null | undefined): string | null {
  return value ? value.replaceAll('\u0000', '') || null : null;
}

export interface InboundOptions {
  /** How it came in (kept with the message); default `http`. */
  via?: InboundVia;
  /** The SMTP envelope recipients (RCPT TO), where a VERP token is looked for first. */
  envelopeTo?: readonly string[];
  /**
   * Keep a message too large to read (a header over the MIME reader's limit) as unreadable junk instead of throwing.
   * For intake with nobody to answer (IMAP): throwing would stop at that message for good.
   */
  keepTooLarge?: boolean;
  /** The message's real size when `raw` is only its beginning (IMAP reads the first part of an oversized one). */
  sizeBytes?: number;
}

/** Reads, classifies, matches and applies one inbound message, and counts it by class (/api/metrics). */
export async function processInboundMime(
  deps: InboundDeps,
  raw: Buffer | string,
  scope: InboundScope,
  options: InboundOptions = {},
): Promise<InboundOutcome> {
  const result = await processMime(deps, raw, scope, options);
  countInbound(result);
  return result;
}

async function processMime(
  deps: InboundDeps,
  raw: Buffer | string,
  scope: InboundScope,
  options: InboundOptions,
): Promise<InboundOutcome> {
  const now = deps.clock.now();
  const bytes = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
  const keep = {
    orgId: scope.orgId,
    via: options.via ?? 'http',
    bytes,
    now,
    ...(options.sizeBytes ? { sizeBytes: options.sizeBytes } : {}),
  };
  let view: MessageView;
  try {
    // Read without NUL bytes (no valid MIME text carries one; database text cannot hold one), so no header,
    // reason or snippet taken from the message can carry NUL into a row. The raw bytes are kept as received.
    view = await readMessage(withoutNul(bytes));
  } catch (error) {
    // Too large to read is the sender's problem to hear about (the route answers 413); anything else is junk.
    const tooLarge = (error as { code?: unknown } | null)?.code === 'EMAXLEN';
    if (tooLarge && !options.keepTooLarge) throw error;
    const unreadable: InboundOutcome = {
      kind: 'unmatched',
      reason: tooLarge ? 'a header of the message is larger than allowed' : 'the message could not be read',
    };
    await keepInbound(deps.store.db, {
      ...keep,
      view: null,
      result: null,
      outcome: unreadable,
      match: undefined,
    });
    return unreadable;
  }
  const first = classifyView(view);
  const match = await matchInbound(deps.store.db, {
    scope,
    view,
    result: first,
    envelopeTo: options.envelopeTo ?? [],
    secretKey: deps.config?.secretKey,
    now,
  });
  // An out-of-office or failure subject that only repeats the subject we sent ("Re: Vacation rentals in Kraków",
  // "Re: Cut undelivered parcels by 30%") is no sign of either: classified again knowing our subject.
  const result =
    match && (first.class === 'auto_reply' || first.class === 'bounce')
      ? classifyView(view, { sentSubject: match.message.subject })
      : first;
  if (!match) {
    const unmatched: InboundOutcome = {
      kind: 'unmatched',
      reason: isReport(result)
        ? `${result.class} report for an email this organisation did not send`
        : 'no In-Reply-To or References matches an email we sent',
    };
    await keepInbound(deps.store.db, { ...keep, view, result, outcome: unmatched, match: undefined });
    return unmatched;
  }
  const { message } = match;
  const source = bytes.subarray(0, 64 * 1024).toString('latin1');
  const inboundKey = noNul(view.ownMessageId) ?? shortHash(source);
  return deps.store.db.transaction().execute(async (trx) => {
    const kept =
      result.class === 'delay'
        ? await findKeptInbound(trx, scope.orgId, inboundDedupeKey(view, bytes))
        : undefined;
    const effect = await applyInbound(trx, message, result, {
      inboundKey,
      from: noNul(view.fromAddress),
      subject: noNul(view.subject),
      snippet: noNul(replySnippet(view.body)) ?? '',
      now,
      delayKnown: kept?.outcome === 'delay' && kept.outbound_message_id === message.id,
    });
    // The conversation view shows every reply in full (its HTML is sanitised when shown, never here).
    if (effect.kind === 'reply') await storeReply(trx, message, view, inboundKey, now);
    const done = outcome(message.id, effect);
    await keepInbound(trx, { ...keep, view, result, outcome: done, match });
    return done;
  });
}
