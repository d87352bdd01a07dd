import { type ParsedMail, simpleParser } from 'mailparser';
import type { Clock } from '../engine/clock.ts';
import type { Store } from '../store/db.ts';
import { cancelPendingForRecord, findMessageByMessageIds } from '../store/repos/mail-repo.ts';
import { autoReplyReason } from './auto-reply.ts';
import { isDeliveryReport, parseDeliveryStatus } from './dsn.ts';
import { recordEngagement, shortHash } from './engagement.ts';

/**
 * Inbound mail (an MTA pipe, a provider's inbound webhook or the IMAP poller all end here): a raw RFC 5322
 * message is parsed with mailparser and matched to the email we sent by In-Reply-To / References (bounces:
 * by the original's Message-ID inside the report). Then it is a reply, an automatic reply or a bounce.
 */

export type InboundOutcome =
  | { kind: 'reply'; outboundMessageId: string; duplicate: boolean }
  | { kind: 'auto_reply'; outboundMessageId: string; duplicate: boolean; reason: string }
  | { kind: 'bounce'; outboundMessageId: string; duplicate: boolean; hard: boolean; status: string }
  | { kind: 'unmatched'; reason: string };

export interface InboundDeps {
  store: Store;
  clock: Clock;
}

const MESSAGE_ID_RE = /<[^<>\s@]+@[^<>\s]+>/g;

function headerText(mail: ParsedMail, name: string): string | undefined {
  const line = mail.headerLines.find((entry) => entry.key === name);
  return line ? line.line.slice(line.line.indexOf(':') + 1).trim() : undefined;
}

function referencedIds(mail: ParsedMail): string[] {
  const ids: string[] = [];
  const push = (value: string | string[] | undefined) => {
    for (const item of Array.isArray(value) ? value : value ? [value] : []) {
      for (const match of item.match(MESSAGE_ID_RE) ?? []) if (!ids.includes(match)) ids.push(match);
    }
  };
  push(mail.inReplyTo);
  // References: the most recent (last) first.
  const references = Array.isArray(mail.references)
    ? mail.references
    : mail.references
      ? [mail.references]
      : [];
  push([...references].reverse());
  return ids;
}

/** For a bounce: the original's Message-ID in the returned headers (text/rfc822-headers or message/rfc822). */
function returnedIds(mail: ParsedMail, raw: string): string[] {
  const ids = referencedIds(mail);
  const own = mail.messageId;
  const sources = [
    ...mail.attachments.filter((a) => /rfc822/i.test(a.contentType)).map((a) => a.content.toString('utf8')),
    raw,
  ];
  for (const source of sources) {
    for (const match of source.matchAll(/^(?:Message-ID|X-Stepwise-Message-Id):\s*(<[^<>\s]+>)/gim)) {
      const id = match[1] as string;
      if (id !== own && !ids.includes(id)) ids.push(id);
    }
  }
  return ids;
}

function deliveryStatusText(mail: ParsedMail): string {
  const parts = mail.attachments
    .filter((a) => /delivery-status/i.test(a.contentType))
    .map((a) => a.content.toString('utf8'));
  return [...parts, mail.text ?? ''].join('\n');
}

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

export async function processInboundMime(deps: InboundDeps, raw: Buffer | string): Promise<InboundOutcome> {
  const source = typeof raw === 'string' ? raw : raw.toString('utf8');
  const mail = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true });
  const now = deps.clock.now();
  const occurredAt = now;
  const contentType = mail.headers.get('content-type') as
    | { value?: string; params?: Record<string, string> }
    | undefined;

  if (isDeliveryReport(contentType?.value, contentType?.params?.['report-type'])) {
    const report = parseDeliveryStatus(deliveryStatusText(mail));
    if (!report) return { kind: 'unmatched', reason: 'delivery report without a failure status' };
    const message = await findMessageByMessageIds(deps.store.db, returnedIds(mail, source));
    if (!message) return { kind: 'unmatched', reason: 'bounce for a message we did not send' };
    const duplicate = !(await deps.store.db.transaction().execute(async (trx) => {
      const fresh = await recordEngagement(trx, {
        message,
        type: 'bounce',
        dedupeKey: `bounce:${message.id}:${report.status}:${report.recipient ?? ''}`,
        machine: false,
        data: {
          hard: report.hard,
          status: report.status,
          action: report.action,
          recipient: report.recipient,
          diagnostic: report.diagnostic,
        },
        occurredAt,
        now,
        summary: report.hard
          ? `Email bounced (${report.status}): ${report.diagnostic ?? 'address rejected'}`
          : `Delivery delayed (${report.status}): ${report.diagnostic ?? 'temporary problem'}`,
        ...(report.hard ? { exit: 'bounced' as const } : {}),
      });
      if (fresh && report.hard) {
        await trx
          .updateTable('outbound_messages')
          .set({
            last_error: `Bounced ${report.status}: ${report.diagnostic ?? ''}`.slice(0, 1000),
            updated_at: now,
          })
          .where('org_id', '=', message.org_id)
          .where('id', '=', message.id)
          .execute();
        if (message.record_id) {
          await cancelPendingForRecord(
            trx,
            message.org_id,
            message.record_id,
            `Hard bounce ${report.status}`,
            now,
          );
        }
      }
      return fresh;
    }));
    return {
      kind: 'bounce',
      outboundMessageId: message.id,
      duplicate,
      hard: report.hard,
      status: report.status,
    };
  }

  const message = await findMessageByMessageIds(deps.store.db, referencedIds(mail));
  if (!message) return { kind: 'unmatched', reason: 'no In-Reply-To or References matches an email we sent' };
  const autoReason = autoReplyReason((name) => headerText(mail, name), mail.subject);
  const dedupeKey = `${autoReason ? 'auto_reply' : 'reply'}:${mail.messageId ?? shortHash(source)}`;
  const from = mail.from?.value[0]?.address ?? null;
  const data = {
    from,
    subject: mail.subject ?? null,
    snippet: replySnippet(mail.text),
    inboundMessageId: mail.messageId ?? null,
  };
  const fresh = await deps.store.db.transaction().execute((trx) =>
    recordEngagement(trx, {
      message,
      type: autoReason ? 'auto_reply' : 'reply',
      dedupeKey,
      machine: autoReason !== null,
      data: autoReason ? { ...data, autoReplyReason: autoReason } : data,
      occurredAt,
      now,
      summary: autoReason
        ? `Automatic reply (not counted as a reply): ${mail.subject ?? ''}`
        : `Replied: ${data.snippet || mail.subject || ''}`,
      ...(autoReason ? {} : { results: ['replied' as const] }),
    }),
  );
  return autoReason
    ? { kind: 'auto_reply', outboundMessageId: message.id, duplicate: !fresh, reason: autoReason }
    : { kind: 'reply', outboundMessageId: message.id, duplicate: !fresh };
}
