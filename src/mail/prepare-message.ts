import type Mail from 'nodemailer/lib/mailer/index.js';
import type { OutboundRow, RenderedContent } from '../store/repos/mail-repo.ts';
import { htmlToText } from './html-text.ts';
import { holdReasonFor, type RenderContext, renderTemplate, type TemplateSource } from './render.ts';
import { sanitizeEmailHtml } from './sanitize.ts';
import { buildRenderContext, lookup, type SendContext } from './send-context.ts';
import { addOpenPixel, clickUrl, openUrl, rewriteLinks, unsubscribeUrl } from './tracking.ts';
import { buildRawMessage } from './transport.ts';

/**
 * The content of one outbound message, decided once, on its first attempt:
 *  - `template` rows are rendered ONCE from the template source (the row's own, else the step's template), with
 *    record/owner/org values as data;
 *  - `final` rows (what a seller wrote) are sent as written — never rendered;
 * both are sanitised, then tracked (click links, open pixel), then built into the exact RFC 5322 bytes that every
 * attempt sends. A message that already has its bytes is never prepared again, so a retry is byte-identical
 * (same Message-ID, Date and body) and never tracked twice.
 */
export interface PrepareConfig {
  secretKey: string;
  publicUrl: string;
}

export type PreparedContent = RenderedContent & { rawMime: string };
export type Prepared = { held: string } | PreparedContent;

/** `<outbound-id@host-of-PUBLIC_URL>` unless the row already carries one. */
export function messageIdFor(row: Pick<OutboundRow, 'id' | 'message_id'>, publicUrl: string): string {
  if (/^<[^<>@\s]+@[^<>@\s]+>$/.test(row.message_id)) return row.message_id;
  return `<${row.id}@${new URL(publicUrl).hostname || 'stepwise.local'}>`;
}

function contentOf(
  row: OutboundRow,
  context: SendContext,
): { held: string } | { subject: string; html: string; text: string } {
  if (row.content_kind === 'final') {
    const html = sanitizeEmailHtml(row.body_html);
    const subject = row.subject.replace(/\s+/g, ' ').trim();
    return { subject, html, text: row.body_text.trim() ? row.body_text : htmlToText(html) };
  }
  const template = lookup(context.templates, row.org_id, row.template_id);
  const source =
    row.subject.trim() || row.body_html.trim()
      ? { subject: row.subject, bodyHtml: row.body_html, bodyText: row.body_text }
      : template
        ? { subject: template.subject, bodyHtml: template.body_html, bodyText: template.body_text }
        : null;
  if (!source) return { held: 'The email has no template and no content' };
  const signature = lookup(context.signatures ?? new Map(), row.org_id, row.sender_user_id);
  const signed = signature?.automated && signature.html ? withSignature(source, signature.html) : source;
  const record = lookup(context.records, row.org_id, row.record_id);
  const owner = lookup(context.users, row.org_id, row.sender_user_id);
  return renderForSending(signed, buildRenderContext(record, owner, context.orgs.get(row.org_id)));
}

/**
 * The sender's signature after the body. It is the seller's own text, so it is part of the template source (it may
 * use `{{ owner.phone }}`); record values never are.
 */
export function withSignature(source: TemplateSource, signatureHtml: string): TemplateSource {
  return {
    subject: source.subject,
    bodyHtml: `${source.bodyHtml}${signatureHtml}`,
    bodyText: source.bodyText?.trim()
      ? `${source.bodyText}\n\n${htmlToText(signatureHtml)}`
      : source.bodyText,
  };
}

/** One render of the template source with the values as data, then sanitised: what an automated email says. */
export function renderForSending(
  source: TemplateSource,
  values: RenderContext,
): { held: string } | { subject: string; html: string; text: string } {
  const rendered = renderTemplate(source, values);
  const reason = holdReasonFor(rendered);
  if (reason) return { held: reason };
  return { subject: rendered.subject, html: sanitizeEmailHtml(rendered.html), text: rendered.text };
}

/** The nodemailer message: deterministic Message-ID, RFC 8058 one-click unsubscribe headers, text part. */
export function mailOptionsFor(
  row: Pick<OutboundRow, 'org_id' | 'id' | 'to_address'>,
  content: RenderedContent,
  from: { name: string; address: string },
  date: Date,
  config: PrepareConfig,
  thread?: { inReplyTo: string; references: string },
): Mail.Options {
  const unsubscribe = unsubscribeUrl(config.publicUrl, config.secretKey, {
    orgId: row.org_id,
    messageId: row.id,
  });
  return {
    from,
    to: row.to_address,
    subject: content.subject,
    html: content.bodyHtml,
    text: content.bodyText,
    messageId: content.messageId,
    ...(thread ? { inReplyTo: thread.inReplyTo, references: thread.references } : {}),
    date,
    headers: {
      'List-Unsubscribe': `<${unsubscribe}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      'X-Stepwise-Message': row.id,
    },
  };
}

export async function prepareMessage(
  row: OutboundRow,
  context: SendContext,
  from: { name: string; address: string },
  now: number,
  config: PrepareConfig,
): Promise<Prepared> {
  const content = contentOf(row, context);
  if ('held' in content) return content;
  if (!content.subject) return { held: 'The subject is empty' };
  const ref = { orgId: row.org_id, messageId: row.id };
  const options = lookup(context.tracking, row.org_id, row.connection_id) ?? { opens: true, clicks: true };
  let html = content.html;
  if (row.tracking === 1 && options.clicks)
    html = rewriteLinks(html, (url) => clickUrl(config.publicUrl, config.secretKey, ref, url, now));
  if (row.tracking === 1 && options.opens)
    html = addOpenPixel(html, openUrl(config.publicUrl, config.secretKey, ref));
  const prepared: RenderedContent = {
    subject: content.subject,
    bodyHtml: html,
    bodyText: content.text,
    messageId: messageIdFor(row, config.publicUrl),
  };
  const thread = lookup(context.threads ?? new Map(), row.org_id, row.id);
  const raw = await buildRawMessage(mailOptionsFor(row, prepared, from, new Date(now), config, thread));
  return { ...prepared, rawMime: raw.toString('utf8') };
}
