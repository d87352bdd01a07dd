import { cleanAddress } from './dsn.ts';
import type { MessageView } from './message.ts';

/**
 * Complaints and opt-outs: ARF / RFC 5965 feedback reports (`multipart/report; report-type=feedback-report`
 * or a `message/feedback-report` part, also forwarded ones that keep the fields; Microsoft JMRP reports), and list
 * opt-outs that mail
 * clients send on the user's behalf (RFC 2369 `mailto:` unsubscribe, Apple Mail's `X-Apple-Unsubscribe`).
 */

export interface FeedbackReport {
  type: string;
  recipients: string[];
}

function field(text: string, name: string): string | null {
  return new RegExp(`^[ \\t]*${name}[ \\t]*:[ \\t]*(.+)$`, 'im').exec(text)?.[1]?.trim() ?? null;
}

export function readFeedback(view: MessageView): FeedbackReport | null {
  const reportPart = view.parts.find((part) => part.type === 'message/feedback-report');
  const structured = view.reportType === 'feedback-report' || reportPart !== undefined;
  // Also a report forwarded inside another message (the fields then sit in a message/rfc822 part).
  const text = [reportPart?.text ?? '', view.body, ...view.parts.map((part) => part.text)].join('\n');
  const feedbackType = field(text, 'Feedback-Type');
  if (structured || (feedbackType && field(text, 'User-Agent') && field(text, 'Version'))) {
    const recipients: string[] = [];
    for (const name of ['Original-Rcpt-To', 'Removal-Recipient']) {
      for (const match of text.matchAll(new RegExp(`^[ \\t]*${name}[ \\t]*:[ \\t]*(.+)$`, 'gim'))) {
        const address = cleanAddress(match[1] as string);
        if (address && !recipients.includes(address)) recipients.push(address);
      }
    }
    return { type: (feedbackType ?? 'abuse').toLowerCase(), recipients };
  }
  // Microsoft's junk-mail reporting program (JMRP) sends the reported message with the complainer's address.
  const hotmail = /^X-HmXmrOriginalRecipient[ \t]*:[ \t]*(.+)$/im.exec(text);
  if (hotmail || /^(complaint about message from|email abuse report)/i.test(view.subject)) {
    const address = hotmail ? cleanAddress(hotmail[1] as string) : null;
    return { type: 'abuse', recipients: address ? [address] : [] };
  }
  if (view.header('x-apple-unsubscribe')?.trim().toLowerCase() === 'true') {
    return { type: 'opt-out', recipients: [view.fromAddress].filter(Boolean) };
  }
  const autoSubmitted = view.header('auto-submitted')?.toLowerCase() ?? '';
  if (/^\s*(unsubscribe|remove me|opt[ -]?out)\s*$/i.test(view.subject) && autoSubmitted.startsWith('auto')) {
    return { type: 'opt-out', recipients: [view.fromAddress].filter(Boolean) };
  }
  return null;
}
