import { type ParsedMail, simpleParser } from 'mailparser';

/**
 * The parts of an inbound message the recognisers look at, decoded once: top-level headers, the notice text
 * (the human-readable part, charset-decoded), machine-readable report parts and the returned original.
 * Line endings are normalised first (bare CR and LF both become CRLF) and only the first MAX_BYTES are read:
 * everything a recogniser needs is near the top, and a 20 MB message must not stall intake.
 */

const MAX_BYTES = 2 * 1024 * 1024;

export interface Part {
  type: string;
  text: string;
}

export interface MessageView {
  header(name: string): string | undefined;
  subject: string;
  fromAddress: string;
  fromName: string;
  toAddresses: string[];
  /** The envelope sender as the receiving MTA recorded it; `''` for the null path `<>`, undefined if absent. */
  returnPath: string | undefined;
  contentType: string;
  reportType: string;
  ownMessageId: string | null;
  /** The notice: text/plain body (or the HTML turned into text), LF line endings. */
  body: string;
  /** The HTML part as received (unsanitised: sanitise before showing it), or ''. */
  html?: string;
  /** Attachments and report parts, decoded as text (message/*, text/*). */
  parts: Part[];
  /** Everything after the top-level header, undecoded: returned headers survive even broken MIME there. */
  rawBody: string;
}

export function normaliseLineEndings(raw: Buffer | string): Buffer {
  const buffer = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
  const head = buffer.length > MAX_BYTES ? buffer.subarray(0, MAX_BYTES) : buffer;
  if (!head.includes(13)) return head;
  const text = head.toString('latin1').replace(/\r\n?/g, '\n');
  return Buffer.from(text, 'latin1');
}

function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<br\s*\/?>|<\/(p|div|tr|li|h\d)>/gi, '\n')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/[ \t]+/g, ' ');
}

function addressList(value: ParsedMail['to']): string[] {
  const list = Array.isArray(value) ? value : value ? [value] : [];
  return list.flatMap((entry) => entry.value.map((a) => (a.address ?? '').toLowerCase()).filter(Boolean));
}

/** When the MIME structure is broken (an unfolded boundary parameter, a wrong boundary) and mailparser finds
 * no text, the raw body minus boundary lines and part headers is still readable. */
function afterHeader(input: Buffer): string {
  const text = input.toString('utf8');
  const start = text.indexOf('\n\n');
  return start < 0 ? '' : text.slice(start + 2);
}

function rawBodyText(input: Buffer): string {
  const lines = afterHeader(input).split('\n');
  return lines
    .filter(
      (line) =>
        !/^--\S+$/.test(line.trim()) && !/^(content-[a-z-]+:|boundary=|\s+boundary=|charset=)/i.test(line),
    )
    .join('\n');
}

export async function readMessage(raw: Buffer | string): Promise<MessageView> {
  const input = normaliseLineEndings(raw);
  const mail = await simpleParser(input, {
    skipImageLinks: true,
    skipTextToHtml: true,
    skipHtmlToText: true,
  });
  const headerLines = new Map<string, string>();
  for (const entry of mail.headerLines) {
    if (headerLines.has(entry.key)) continue;
    headerLines.set(entry.key, entry.line.slice(entry.line.indexOf(':') + 1).trim());
  }
  const contentType = mail.headers.get('content-type') as
    | { value?: string; params?: Record<string, string> }
    | undefined;
  const html = typeof mail.html === 'string' ? mail.html : '';
  const decoded = mail.text?.trim() ? mail.text : htmlToText(html);
  const body = (decoded.trim() || mail.attachments.length > 0 ? decoded : rawBodyText(input)).replace(
    /\r\n?/g,
    '\n',
  );
  const parts: Part[] = [];
  for (const attachment of mail.attachments) {
    const type = String(attachment.contentType ?? 'application/octet-stream').toLowerCase();
    if (!/^(message|text)\//.test(type) && !/json/.test(type)) continue;
    const content = Buffer.isBuffer(attachment.content)
      ? attachment.content.subarray(0, 512 * 1024).toString('utf8')
      : '';
    parts.push({
      type,
      text: (type === 'text/html' ? htmlToText(content) : content).replace(/\r\n?/g, '\n'),
    });
  }
  // A text part the parser left as an attachment (odd parameters, an unusual position) is part of the notice.
  const textParts = parts.filter((part) => part.type.startsWith('text/plain')).map((part) => part.text);
  const notice =
    textParts.length > 0 && mail.attachments.length < 10 ? [body, ...textParts].join('\n\n') : body;
  const returnPathLine = headerLines.get('return-path');
  const returnPath =
    returnPathLine === undefined
      ? undefined
      : (/<([^<>]*)>/.exec(returnPathLine)?.[1] ?? returnPathLine).trim();
  const from = mail.from?.value[0];
  return {
    header: (name) => headerLines.get(name.toLowerCase()),
    subject: mail.subject ?? '',
    fromAddress: (from?.address ?? mail.from?.text ?? '').toLowerCase(),
    fromName: from?.name ?? '',
    toAddresses: addressList(mail.to),
    returnPath: returnPath?.toLowerCase(),
    contentType: (contentType?.value ?? 'text/plain').toLowerCase(),
    reportType: (contentType?.params?.['report-type'] ?? '').toLowerCase(),
    ownMessageId: mail.messageId ?? null,
    body: notice,
    html,
    parts,
    rawBody: afterHeader(input),
  };
}
