import { statusCode } from './dsn.ts';
import type { MessageView } from './message.ts';

/**
 * The human-readable part of a bounce, the way most servers write it (qmail, Exim, Sendmail, Exchange, Gmail,
 * Yahoo, Domino, Japanese carriers …): the failed addresses and, after each, what the remote server said. The
 * notice ends where the returned message begins; each address's diagnostic is the text up to the next address.
 */

export interface NoticeRecipient {
  address: string;
  diagnostic: string;
  status: string | null;
  /** The SMTP reply code's class (4 or 5) if the diagnostic shows one. */
  replyClass: '4' | '5' | null;
}

/** Where the returned original message starts, in the phrasing of the common MTAs. */
const RETURNED_MARKERS = [
  /^[ \t]*-{2,}[ \t]*(original message|this is a copy of|below this line is a copy|returned message|undelivered message|headers? of (the|your) (original|returned)?[ \t]*message|the original message|original message headers|message headers follow|copy of (the )?message|an? copy of the original)/im,
  /^[ \t]*(-{3,}[ \t]*)?(below this line is a copy of the message|below is a copy of the original message|the original message (was|is) (attached|included|as follows)|original message follows|the headers of the original message|included is a copy of the message header|original message header|message headers:|the header of the original message)/im,
  /^[ \t]*-{3,}[ \t]*(Forwarded message|Original Message)[ \t]*-{3,}/im,
];

const HEADER_LINE =
  /^(Return-Path|Received|Message-I[Dd]|DKIM-Signature|From|Date|Subject|To|MIME-Version|Content-Type|X-[A-Za-z-]+):[ \t]/;

/** A block of at least three consecutive header lines: the returned headers quoted inline. */
function headerBlockStart(lines: string[]): number {
  for (let i = 0; i < lines.length - 2; i++) {
    if (!HEADER_LINE.test(lines[i] as string)) continue;
    let count = 0;
    for (let j = i; j < Math.min(lines.length, i + 8); j++) {
      const line = lines[j] as string;
      if (HEADER_LINE.test(line)) count++;
      else if (!/^[ \t]/.test(line)) break;
    }
    if (count >= 3) return i;
  }
  return -1;
}

export function noticeText(body: string): string {
  let end = body.length;
  for (const marker of RETURNED_MARKERS) {
    const match = marker.exec(body);
    if (match && match.index < end && match.index > 0) end = match.index;
  }
  const text = body.slice(0, end);
  const lines = text.split('\n');
  const start = headerBlockStart(lines);
  return start > 0 ? lines.slice(0, start).join('\n') : text;
}

const ADDRESS =
  /(?<![=/:A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+=&'-]*@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![A-Za-z0-9-])/g;
const SKIP_LINE =
  /^[ \t>]*(message-?id|in-reply-to|references|received|by |id |from |sender|reporting-mta|received-from-mta|x-[a-z-]+|date|dkim|return-path|reply-to|envelope-from|errors-to|content-id)\b|(your message|the message you sent|from:|sent by|original sender|envelope sender|mail from|from <)/i;
const SYSTEM_LOCAL =
  /^(mailer-?daemon|postmaster|post_master|poostmaster|abuse|hostmaster|webmaster|root|noc|help|support|security|nobody|double-bounce)$/i;

function candidates(text: string, exclude: Set<string>): Array<{ address: string; index: number }> {
  const found: Array<{ address: string; index: number }> = [];
  const seen = new Set<string>();
  let offset = 0;
  for (const line of text.split('\n')) {
    if (!SKIP_LINE.test(line)) {
      for (const match of line.matchAll(ADDRESS)) {
        const address = match[0].toLowerCase().replace(/[.'-]+$/, '');
        const local = address.split('@')[0] ?? '';
        if (exclude.has(address) || SYSTEM_LOCAL.test(local) || seen.has(address)) continue;
        seen.add(address);
        found.push({ address, index: offset + (match.index ?? 0) });
      }
    }
    offset += line.length + 1;
  }
  return found;
}

export function replyClassOf(text: string): '4' | '5' | null {
  const match = /(?:^|[\s:(#<"])([45])\d\d(?:[\s-]|$)/m.exec(text);
  return match ? (match[1] as '4' | '5') : null;
}

export function excludedAddresses(view: MessageView, originalSenders: string[]): Set<string> {
  return new Set(
    [view.fromAddress, ...view.toAddresses, view.returnPath ?? '', ...originalSenders].filter(Boolean),
  );
}

/** Failed recipients named in the notice, each with the words that follow it. */
export function noticeRecipients(notice: string, exclude: Set<string>): NoticeRecipient[] {
  const found = candidates(notice, exclude);
  return found.map((entry, position) => {
    const next = found[position + 1]?.index ?? notice.length;
    const lineStart = notice.lastIndexOf('\n', entry.index) + 1;
    const start = position > 0 && lineStart < (found[position - 1]?.index ?? 0) ? entry.index : lineStart;
    const diagnostic = notice.slice(start, Math.min(next, entry.index + 1500)).trim();
    return {
      address: entry.address,
      diagnostic,
      status: statusCode(diagnostic),
      replyClass: replyClassOf(diagnostic),
    };
  });
}

/** The lines of a diagnostic that carry a reply code or status: the server's own words, without boilerplate. */
export function replyLines(text: string): string {
  return text
    .split('\n')
    .filter((line) => /(^|[\s:(<#])[45]\d\d([\s-]|$)|\b[45]\.\d{1,3}\.\d{1,3}\b/.test(line))
    .join('\n');
}

/** Who sent the original (its From / Return-Path in the returned headers): never a failed recipient. */
export function originalSenders(texts: string[]): string[] {
  const senders: string[] = [];
  for (const text of texts) {
    for (const match of text.matchAll(/^[ \t>]*(From|Return-Path|Sender|Reply-To)[ \t]*:[ \t]*(.+)$/gim)) {
      for (const address of (match[2] as string).match(ADDRESS) ?? []) {
        const lower = address.toLowerCase();
        if (!senders.includes(lower)) senders.push(lower);
      }
    }
  }
  return senders;
}

/**
 * The first line with a reply code: in a transcript listing several recipients, what the server answered for
 * this one (the lines after it may already belong to the next host).
 */
export function firstReplyLine(text: string): string {
  return replyLines(text).split('\n')[0] ?? '';
}

/** The notice's words before it names the failed address (its headline), when it names one. */
export function noticeHeadline(notice: string, address: string | null): string | null {
  const at = address ? notice.toLowerCase().indexOf(address) : -1;
  return at > 0 ? notice.slice(0, at) : null;
}
