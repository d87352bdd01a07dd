/**
 * RFC 3464 delivery-status fields, read tolerantly: every per-recipient block (`Final-Recipient` or
 * `Original-Recipient` starts one), folded and indented lines, odd spacing and case, addresses with or without
 * angle brackets and address-type prefixes.
 */

export interface DsnRecipient {
  address: string | null;
  action: string | null;
  status: string | null;
  diagnostic: string | null;
  remoteMta: string | null;
}

const FIELD = /^[ \t]*([A-Za-z][A-Za-z0-9-]*)[ \t]*:[ \t]*(.*)$/;
const RECIPIENT_FIELDS = new Set(['final-recipient', 'original-recipient']);

/** Unfolds continuation lines (a line starting with white space continues the field above it). */
function unfold(text: string): string[] {
  const lines: string[] = [];
  for (const line of text.split('\n')) {
    const last = lines.length - 1;
    if (/^[ \t]+\S/.test(line) && last >= 0 && !FIELD.test(line) && lines[last] !== '') {
      lines[last] = `${lines[last]} ${line.trim()}`;
    } else {
      lines.push(line.replace(/\s+$/, ''));
    }
  }
  return lines;
}

export function cleanAddress(value: string): string | null {
  const stripped = value.replace(/^\s*(rfc822|x-unix|unknown|x-local)\s*;/i, '').trim();
  const angle = /<([^<>\s]+@[^<>\s]+)>/.exec(stripped);
  const bare = angle?.[1] ?? /([^\s<>;"'(),:]+@[^\s<>;"'(),:]+[A-Za-z0-9])/.exec(stripped)?.[1];
  return bare ? bare.toLowerCase() : null;
}

export function statusCode(value: string | null | undefined): string | null {
  const match = value ? /\b([245])\.(\d{1,3})\.(\d{1,3})\b/.exec(value) : null;
  return match ? `${match[1]}.${match[2]}.${match[3]}` : null;
}

/** All recipient blocks found in the delivery-status text (empty when there are none). */
export function parseDsnRecipients(text: string): DsnRecipient[] {
  if (!/^[ \t]*(final|original)-recipient[ \t]*:/im.test(text)) return [];
  const blocks: DsnRecipient[] = [];
  let current: DsnRecipient | null = null;
  let sawFinal = false;
  let sawAction = false;
  // Per-recipient fields some servers write before the first recipient line (Facebook): they belong to it.
  const early: DsnRecipient = {
    address: null,
    action: null,
    status: null,
    diagnostic: null,
    remoteMta: null,
  };
  for (const line of unfold(text)) {
    const field = FIELD.exec(line);
    if (!field) continue;
    const name = (field[1] as string).toLowerCase();
    const value = (field[2] as string).trim();
    if (RECIPIENT_FIELDS.has(name)) {
      const address = cleanAddress(value);
      const startsNew =
        current === null ||
        (name === 'final-recipient' && sawFinal) ||
        (name === 'original-recipient' && sawAction);
      if (startsNew) {
        current =
          blocks.length === 0
            ? { ...early, address }
            : { address, action: null, status: null, diagnostic: null, remoteMta: null };
        blocks.push(current);
        sawFinal = false;
        sawAction = false;
      }
      if (current && name === 'final-recipient') {
        sawFinal = true;
        if (address) current.address = address;
      } else if (current && !current.address) current.address = address;
      continue;
    }
    const target = current ?? early;
    if (name === 'action' && current) sawAction = true;
    if (name === 'action') target.action ??= value.toLowerCase().split(/[\s(;]/)[0] ?? null;
    else if (name === 'status') target.status ??= statusCode(value) ?? value;
    else if (name === 'diagnostic-code' || name === 'x-diagnostic-code')
      target.diagnostic ??= value.replace(/^\s*(smtp|x-[a-z-]+)\s*;\s*/i, '');
    else if (name === 'remote-mta') target.remoteMta ??= value.replace(/^\s*dns\s*;\s*/i, '');
  }
  return blocks.filter((block) => block.address || block.status || block.action);
}
