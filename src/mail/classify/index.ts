import { readSesNotification } from './amazon-ses.ts';
import { autoReplySignal, ownSubject } from './auto-reply.ts';
import { challengeSignal } from './challenge.ts';
import { type DsnRecipient, parseDsnRecipients, statusCode } from './dsn.ts';
import { familyOf, remoteHostReason } from './families.ts';
import { readFeedback } from './feedback.ts';
import { type MessageView, readMessage } from './message.ts';
import {
  excludedAddresses,
  firstReplyLine,
  type NoticeRecipient,
  noticeHeadline,
  noticeRecipients,
  noticeText,
  originalSenders,
  replyLines,
} from './notice.ts';
import { extractOriginal } from './original.ts';
import { bounceReason, isHard, pseudoStatus, reasonFromText } from './reasons.ts';
import { BOUNCE_SUBJECT, BOUNCE_WORDING, isListManager, isSystemSender } from './sender.ts';
import type { Classification, OriginalRefs, Reason, RecipientAction, RecipientReport } from './types.ts';

export type { Classification, RecipientReport } from './types.ts';

/**
 * Classifies one inbound message: feedback report, delivery report (RFC 3464 or a server's own notice),
 * challenge, automatic reply, or a real reply. The order is the safety property: everything a mail system
 * writes is recognised before the reply path, so a bounce is never counted as a reply.
 */

const ADDRESS = /[A-Za-z0-9._%+=-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

const MAILBOX_STATES: ReadonlySet<Reason> = new Set(['suspend', 'mailboxfull', 'exceedlimit', 'mesgtoobig']);

const EMPTY_REFS: OriginalRefs = { messageIds: [], stepwiseIds: [], recipients: [] };

function result(
  kind: Classification['class'],
  via: string,
  original: OriginalRefs,
  recipients: RecipientReport[] = [],
  detail: string | null = null,
): Classification {
  return { class: kind, via, recipients, original, detail };
}

function failure(
  address: string | null,
  action: RecipientAction,
  texts: Array<string | null>,
  status: string | null,
  temporary: boolean,
  display: string | null = texts.find((text) => text?.trim()) ?? null,
): RecipientReport {
  let reason = bounceReason(texts, status);
  if ((reason === 'undefined' || reason === 'onhold') && action === 'delayed') reason = 'expired';
  // A final failure with "no answer from host" (4.4.x): the server gave up after its retry period.
  if (action === 'failed' && reason === 'networkerror' && /^4\.4\.[1-7]$/.test(status ?? ''))
    reason = 'expired';
  const code = status && !/^[245]\.0\.0$/.test(status) ? status : (status ?? pseudoStatus(reason, temporary));
  const diagnostic = display?.replace(/\s+/g, ' ').trim().slice(0, 1000) || null;
  return { address, action, status: code, reason, hard: isHard(reason, code), diagnostic };
}

function dsnAction(block: DsnRecipient): RecipientAction {
  const action = block.action ?? '';
  if (action.startsWith('fail')) return 'failed';
  if (action.startsWith('delay')) return 'delayed';
  if (action.startsWith('deliver')) return 'delivered';
  if (action.startsWith('relay')) return 'relayed';
  if (action.startsWith('expand')) return 'expanded';
  return block.status?.startsWith('2') ? 'delivered' : 'failed';
}

function fromDsn(
  view: MessageView,
  blocks: DsnRecipient[],
  notice: NoticeRecipient[],
  noticeBody: string,
): RecipientReport[] {
  return blocks.map((block) => {
    const action = dsnAction(block);
    const declared = statusCode(block.status);
    const detailed = statusCode(block.diagnostic);
    const status =
      declared && detailed && /\.0\.0$/.test(declared) && detailed[0] === declared[0]
        ? detailed
        : (declared ?? detailed);
    if (action === 'delivered' || action === 'relayed' || action === 'expanded') {
      return {
        address: block.address,
        action,
        status: status ?? '2.0.0',
        reason: 'delivered',
        hard: false,
        diagnostic: block.diagnostic,
      };
    }
    const segment = notice.find((entry) => entry.address === block.address)?.diagnostic ?? null;
    const temporary = status?.startsWith('4') ?? false;
    // Without a Diagnostic-Code, a notice whose headline states the mailbox's condition ("the user's account
    // is disabled", "mailbox full") speaks first; other headline words are boilerplate.
    const headline =
      !block.diagnostic && blocks.length === 1 ? noticeHeadline(noticeBody, block.address) : null;
    const stated = headline ? reasonFromText(headline) : null;
    const texts = [
      block.diagnostic,
      stated && MAILBOX_STATES.has(stated) ? headline : null,
      segment ? firstReplyLine(segment) : null,
      segment ? replyLines(segment) : null,
      segment,
      blocks.length === 1 ? noticeBody : null,
    ];
    const report = failure(block.address, action, texts, status, temporary, block.diagnostic ?? segment);
    const known = status?.startsWith('5') ? remoteHostReason(view, block.remoteMta, block.diagnostic) : null;
    return known ? { ...report, reason: known, hard: isHard(known, report.status) } : report;
  });
}

function fromNotice(
  notice: string,
  found: NoticeRecipient[],
  original: OriginalRefs,
  senders: string[],
): RecipientReport[] {
  const entries: Array<{
    address: string | null;
    diagnostic: string;
    status: string | null;
    replyClass: string | null;
  }> =
    found.length > 0
      ? found
      : (
          original.recipients.filter((address) => !senders.includes(address)).slice(0, 1) as Array<
            string | null
          >
        )
          .concat(original.recipients.length === 0 ? [null] : [])
          .map((address) => ({ address, diagnostic: notice, status: statusCode(notice), replyClass: null }));
  // A notice that shows one code for a single recipient (e.g. above the address list) gives it that code.
  const shown = entries.length === 1 ? statusCode(replyLines(notice)) : null;
  return entries.map((entry) => {
    entry.status ??= shown;
    const temporary = entry.status ? entry.status.startsWith('4') : entry.replyClass === '4';
    const texts = [firstReplyLine(entry.diagnostic), replyLines(entry.diagnostic), entry.diagnostic, notice];
    const report = failure(entry.address, 'failed', texts, entry.status, temporary, entry.diagnostic);
    // Only the notice's boilerplate, nothing said about this recipient: the reason is not known at all.
    if (report.reason !== 'onhold' || entry.diagnostic !== notice) return report;
    return { ...report, reason: 'undefined', status: report.status.replace(/\.0\.901$/, '.0.900') };
  });
}

/**
 * `sentSubject`: the subject of the email this message answers, once matching has found it. An automatic-reply or
 * a delivery-failure subject counts only for the words the other side added to it (see auto-reply.ts).
 */
export function classifyView(view: MessageView, context: { sentSubject?: string } = {}): Classification {
  const original = extractOriginal(view);
  const feedback = readFeedback(view);
  if (feedback) {
    const addresses = feedback.recipients.length > 0 ? feedback.recipients : original.recipients.slice(0, 1);
    const recipients = (addresses.length > 0 ? addresses : [null]).map(
      (address): RecipientReport => ({
        address,
        action: 'failed',
        status: '',
        reason: 'feedback',
        hard: false,
        diagnostic: feedback.type,
      }),
    );
    return result('feedback', 'arf', original, recipients, feedback.type);
  }
  const ses = readSesNotification(view.body);
  if (ses) {
    if (ses.type === 'complaint') {
      const recipients = ses.recipients.map(
        (r): RecipientReport => ({
          address: r.address,
          action: 'failed',
          status: '',
          reason: 'feedback',
          hard: false,
          diagnostic: 'abuse',
        }),
      );
      return result('feedback', 'amazon-ses', original, recipients, 'abuse');
    }
    if (ses.type === 'delivery') {
      const recipients = ses.recipients.map(
        (r): RecipientReport => ({
          address: r.address,
          action: 'delivered',
          status: r.status ?? '2.6.0',
          reason: 'delivered',
          hard: false,
          diagnostic: r.diagnostic,
        }),
      );
      return result('delivered', 'amazon-ses', original, recipients);
    }
    const recipients = ses.recipients.map((r) =>
      failure(r.address, 'failed', [r.diagnostic], statusCode(r.status), !ses.permanent),
    );
    return result('bounce', 'amazon-ses', original, recipients);
  }

  const reportText = [
    ...view.parts.filter((part) => /delivery-status/.test(part.type)).map((part) => part.text),
    view.body,
  ].join('\n');
  const blocks = parseDsnRecipients(reportText);
  const notice = noticeText(view.body);
  const senders = originalSenders([...view.parts.map((part) => part.text), view.body.slice(notice.length)]);
  // The failed recipient: an address the notice names other than its own addressee (usually our sender), else
  // the returned message's To, else whatever address the notice names.
  const named = noticeRecipients(notice, excludedAddresses(view, senders));
  const returnedTo = original.recipients.filter((address) => !senders.includes(address));
  const found = named.length > 0 || returnedTo.length > 0 ? named : noticeRecipients(notice, new Set());
  const system = isSystemSender(view);
  if (
    blocks.length > 0 &&
    (system || BOUNCE_SUBJECT.test(view.subject) || view.reportType === 'delivery-status')
  ) {
    let recipients = fromDsn(view, blocks, found, notice);
    if (recipients.every((r) => r.address === null) && found.length > 0)
      recipients = fromNotice(notice, found, original, senders);
    const kind = recipients.some((r) => r.action === 'failed')
      ? 'bounce'
      : recipients.some((r) => r.action === 'delayed')
        ? 'delay'
        : 'delivered';
    return result(kind, 'rfc3464', original, recipients);
  }
  // A read receipt (RFC 8098 disposition notification: "Read:", "Not read:", "Return Receipt (displayed)") is
  // written by the prospect's mail program, not by the prospect: never a reply.
  if (
    view.reportType === 'disposition-notification' ||
    view.parts.some((part) => part.type.startsWith('message/disposition-notification'))
  ) {
    const disposition = /^Disposition:\s*(.+)$/im.exec(view.parts.map((part) => part.text).join('\n'));
    return result('other', 'read-receipt', original, [], disposition?.[1]?.trim().slice(0, 200) ?? null);
  }
  // Our own subject ("Cut undelivered parcels by 30%") in a reply's subject is no sign of a delivery failure.
  const bounceSubject = BOUNCE_SUBJECT.test(ownSubject(view.subject, context.sentSubject));
  const bounceWords = BOUNCE_WORDING.test(notice);
  // A mail system returning a message we sent is a bounce even when its wording is not one we know.
  const returnsOriginal =
    original.messageIds.length > 0 || view.parts.some((part) => /rfc822/.test(part.type));
  if (
    (system && (bounceSubject || bounceWords || returnsOriginal)) ||
    (bounceSubject && bounceWords) ||
    (isListManager(view) && bounceWords)
  ) {
    const family = familyOf(view, notice);
    const failed =
      view
        .header('x-failed-recipients')
        ?.match(ADDRESS)
        ?.map((address) => address.toLowerCase()) ?? [];
    const listed =
      failed.length > 0
        ? failed.map(
            (address) =>
              found.find((entry) => entry.address === address) ?? {
                address,
                diagnostic: notice,
                status: statusCode(notice),
                replyClass: null,
              },
          )
        : found;
    let recipients = fromNotice(notice, listed, original, senders);
    const fixed = family?.reason;
    if (fixed) {
      recipients = recipients.map((r) => {
        const status = /^[45]\.0\.9\d\d$/.test(r.status)
          ? pseudoStatus(fixed, r.status.startsWith('4'))
          : r.status;
        return { ...r, reason: fixed, status, hard: isHard(fixed, status) };
      });
    }
    return result('bounce', family?.name ?? 'notice', original, recipients);
  }
  const challenge = challengeSignal(view);
  const auto = autoReplySignal(view, context.sentSubject);
  if (challenge && !auto?.startsWith('Subject'))
    return result('challenge', 'challenge', original, [], challenge);
  if (auto) {
    const sender: RecipientReport = {
      address: view.fromAddress || null,
      action: 'delivered',
      status: '',
      reason: 'vacation',
      hard: false,
      diagnostic: auto,
    };
    return result('auto_reply', 'rfc3834', original, [sender], auto);
  }
  if (challenge) return result('challenge', 'challenge', original, [], challenge);
  if (system) return result('other', 'system-sender', original);
  return result('reply', 'reply', original);
}

/** Never throws: a message that cannot be parsed at all is `other`. */
export async function classifyInbound(raw: Buffer | string): Promise<Classification> {
  try {
    return classifyView(await readMessage(raw));
  } catch {
    return result('other', 'unparseable', EMPTY_REFS);
  }
}
