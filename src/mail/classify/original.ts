import type { MessageView } from './message.ts';
import type { OriginalRefs } from './types.ts';

/**
 * The email we sent, as the returned content shows it: its Message-ID and our `X-Stepwise-Message` header in a
 * message/rfc822 or text/rfc822-headers part, quoted inline in the notice (also indented or `>`-quoted) or,
 * when the MIME structure is broken, anywhere in the raw body; and the recipients it was addressed to. Only the
 * body is searched, so the notice's own Message-ID (a top-level header) is never taken for the original's.
 */

const MESSAGE_ID_LINE = /^[ \t>]*Message-?Id[ \t]*:[ \t]*\n?[ \t]*(<[^<>\s]+@[^<>\s]+>|[^<>\s]+@[^<>\s]+)/gim;
const STEPWISE_LINE = /^[ \t>]*X-Stepwise-Message(?:-Id)?[ \t]*:[ \t]*<?([A-Za-z0-9._-]{6,100})>?/gim;
const JSON_MESSAGE_ID = /"name"\s*:\s*"Message-I[dD]"\s*,\s*"value"\s*:\s*"(<[^<>\s"]+>)"/g;
const TO_LINE = /^[ \t>]*To[ \t]*:[ \t]*(.+)$/gim;
const ADDRESS = /[A-Za-z0-9._%+=-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

function pushUnique(list: string[], value: string): void {
  if (!list.includes(value)) list.push(value);
}

export function extractOriginal(view: MessageView): OriginalRefs {
  const refs: OriginalRefs = { messageIds: [], stepwiseIds: [], recipients: [] };
  const returned = view.parts.filter((part) => /rfc822|rfc822-headers|text\/plain|global/.test(part.type));
  const sources = [...returned.map((part) => part.text), view.body, view.rawBody];
  for (const source of sources) {
    for (const match of source.matchAll(MESSAGE_ID_LINE)) {
      const raw = (match[1] as string).trim();
      const id = raw.startsWith('<') ? raw : `<${raw}>`;
      pushUnique(refs.messageIds, id);
    }
    for (const match of source.matchAll(JSON_MESSAGE_ID)) pushUnique(refs.messageIds, match[1] as string);
    for (const match of source.matchAll(STEPWISE_LINE)) pushUnique(refs.stepwiseIds, match[1] as string);
    for (const match of source.matchAll(TO_LINE)) {
      for (const address of (match[1] as string).match(ADDRESS) ?? []) {
        pushUnique(refs.recipients, address.toLowerCase());
      }
    }
  }
  return refs;
}

/** In-Reply-To and References of the inbound message itself, the most recent first. */
export function referencedIds(view: MessageView): string[] {
  const ids: string[] = [];
  for (const match of (view.header('in-reply-to') ?? '').match(/<[^<>\s]+>/g) ?? []) pushUnique(ids, match);
  const references = (view.header('references') ?? '').match(/<[^<>\s]+>/g) ?? [];
  for (const match of references.reverse()) pushUnique(ids, match);
  return ids;
}
