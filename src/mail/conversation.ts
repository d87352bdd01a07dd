import type { ConversationEmailRow, ConversationEventRow } from '../store/repos/conversation-repo.ts';
import type { InboundReplyRow } from '../store/repos/inbound-replies-repo.ts';
import { sanitizeEmailHtml } from './sanitize.ts';

/**
 * A record's conversation: every email sent to it (as sent), its opens, clicks and bounces, and every reply in
 * full, threaded by Message-ID (In-Reply-To / References). Inbound HTML is untrusted: it is sanitised with
 * sanitize-html here, and the UI shows it in a sandboxed frame without scripts as a second line of defence.
 */
export interface ConversationEvent {
  type: 'open' | 'click' | 'bounce';
  machine: boolean;
  url: string | null;
  at: number;
}

export type ConversationItem =
  | {
      kind: 'sent';
      id: string;
      messageId: string;
      inReplyTo: string | null;
      from: string | null;
      to: string;
      subject: string;
      html: string;
      text: string;
      status: string;
      detail: string | null;
      at: number;
      events: ConversationEvent[];
    }
  | {
      kind: 'reply';
      id: string;
      messageId: string;
      inReplyTo: string | null;
      from: string | null;
      to: null;
      subject: string;
      html: string;
      text: string;
      status: 'received';
      detail: null;
      at: number;
      events: ConversationEvent[];
    };

export interface ConversationThread {
  /** The Message-ID of the thread's first message. */
  id: string;
  subject: string;
  lastAt: number;
  items: ConversationItem[];
}

/** Our open pixel (…/t/o/<token>.gif) is not shown: the seller reading the email is not the prospect opening it. */
const OPEN_PIXEL = /<img\b[^>]*\/t\/o\/[^>"']+\.gif[^>]*>/gi;

/** A reply as the seller sees it: its HTML sanitised, or its text as paragraphs when it has no HTML part. */
export function safeReplyHtml(reply: Pick<InboundReplyRow, 'html' | 'text'>): string {
  if (reply.html.trim()) return sanitizeEmailHtml(reply.html);
  return escapeText(reply.text)
    .split(/\n{2,}/)
    .map((block) => `<p>${block.replace(/\n/g, '<br>')}</p>`)
    .join('');
}

export function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function eventOf(row: ConversationEventRow): ConversationEvent {
  let url: string | null = null;
  try {
    const data = JSON.parse(row.data_json) as { url?: unknown };
    url = typeof data.url === 'string' ? data.url : null;
  } catch {
    url = null;
  }
  return {
    type: row.type as ConversationEvent['type'],
    machine: row.machine === 1,
    url,
    at: row.occurred_at,
  };
}

export function buildConversation(
  emails: ConversationEmailRow[],
  replies: InboundReplyRow[],
  events: ConversationEventRow[],
): ConversationThread[] {
  const items: ConversationItem[] = [
    ...emails.map(
      (email): ConversationItem => ({
        kind: 'sent',
        id: email.id,
        messageId: email.message_id,
        inReplyTo: email.in_reply_to,
        from: email.sender_name,
        to: email.to_address,
        subject: email.subject,
        html: sanitizeEmailHtml(email.body_html.replace(OPEN_PIXEL, '')),
        text: email.body_text,
        status: email.status,
        detail: email.status === 'held' ? email.hold_reason : email.last_error,
        at: email.sent_at ?? email.created_at,
        events: events
          .filter((event) => event.outbound_message_id === email.id && event.type !== 'reply')
          .map(eventOf),
      }),
    ),
    ...replies.map(
      (reply): ConversationItem => ({
        kind: 'reply',
        id: reply.id,
        messageId: reply.message_id,
        inReplyTo: reply.in_reply_to,
        from: reply.from_address,
        to: null,
        subject: reply.subject,
        html: safeReplyHtml(reply),
        text: reply.text,
        status: 'received',
        detail: null,
        at: reply.received_at,
        events: [],
      }),
    ),
  ].sort((a, b) => a.at - b.at || a.id.localeCompare(b.id));
  const byMessageId = new Map(items.map((item) => [item.messageId, item]));
  const rootOf = (item: ConversationItem): string => {
    let current = item;
    const seen = new Set<string>();
    while (current.inReplyTo && !seen.has(current.messageId)) {
      seen.add(current.messageId);
      const parent = byMessageId.get(current.inReplyTo);
      if (!parent) break;
      current = parent;
    }
    return current.messageId;
  };
  const threads = new Map<string, ConversationThread>();
  for (const item of items) {
    const root = rootOf(item);
    const thread = threads.get(root) ?? { id: root, subject: item.subject, lastAt: item.at, items: [] };
    thread.items.push(item);
    thread.lastAt = Math.max(thread.lastAt, item.at);
    threads.set(root, thread);
  }
  return [...threads.values()].sort((a, b) => b.lastAt - a.lastAt);
}

/** The Message-IDs from the thread's first message down to `target` (the References of a reply to it). */
export function referencesFor(thread: ConversationThread, target: ConversationItem): string[] {
  const byMessageId = new Map(thread.items.map((item) => [item.messageId, item]));
  const chain: string[] = [];
  let current: ConversationItem | undefined = target;
  const seen = new Set<string>();
  while (current && !seen.has(current.messageId)) {
    seen.add(current.messageId);
    chain.unshift(current.messageId);
    current = current.inReplyTo ? byMessageId.get(current.inReplyTo) : undefined;
  }
  return chain;
}

/** The quoted message under a reply: "On <date>, <who> wrote:" and the message itself (sanitised, as data). */
export function quoteOf(item: ConversationItem): string {
  const who = escapeText(item.from ?? 'you');
  const when = new Date(item.at).toUTCString();
  return `<p>On ${escapeText(when)}, ${who} wrote:</p><blockquote>${item.html}</blockquote>`;
}
