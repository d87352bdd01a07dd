import type { MessageView } from './message.ts';
import type { BounceReason } from './types.ts';

/**
 * Mail-server families, recognised by their own signature. The generic notice reader handles their layout; a
 * family names the sender in the result (`via`, shown to admins next to the classification) and, where a
 * server's notices always mean one thing, fixes the reason (Google Groups: the group refused our sender).
 */

export interface Family {
  name: string;
  matches(view: MessageView, notice: string): boolean;
  /** Every failure this family reports has this reason. */
  reason?: BounceReason;
}

const fromDomain = (view: MessageView, pattern: RegExp) => pattern.test(view.fromAddress.split('@')[1] ?? '');
const says = (notice: string, pattern: RegExp) => pattern.test(notice);

export const FAMILIES: readonly Family[] = [
  {
    name: 'google-groups',
    matches: (view, notice) => fromDomain(view, /google(mail)?\.com$/) && says(notice, /groups\.google\.com/),
    reason: 'rejected',
  },
  { name: 'amazon-ses', matches: (view) => fromDomain(view, /amazonses\.com$|amazonaws\.com$/) },
  { name: 'gmail', matches: (view) => fromDomain(view, /(^|\.)(gmail|googlemail|google)\.com$/) },
  { name: 'yahoo', matches: (view) => fromDomain(view, /(^|\.)yahoo(inc)?\.(com|co\.jp)$/) },
  {
    name: 'office365',
    matches: (view, notice) =>
      fromDomain(view, /outlook\.com$|onmicrosoft\.com$|hotmail\.com$/) ||
      says(notice, /Microsoft (Exchange|Outlook)|protection\.outlook\.com/),
  },
  {
    name: 'exchange',
    matches: (_view, notice) =>
      says(
        notice,
        /did not reach (some or all of )?the (following|intended) recipient|Delivery has failed to these recipients/i,
      ),
  },
  {
    name: 'qmail',
    matches: (_view, notice) => says(notice, /qmail-send program|This is a permanent error; I've given up/i),
  },
  {
    name: 'exim',
    matches: (_view, notice) =>
      says(notice, /created automatically by mail delivery software|The following address\(es\) failed/i),
  },
  { name: 'postfix', matches: (_view, notice) => says(notice, /This is the mail system at host/i) },
  {
    name: 'opensmtpd',
    matches: (_view, notice) => says(notice, /This is the MAILER-DAEMON, please DO NOT REPLY/i),
  },
  {
    name: 'courier',
    matches: (_view, notice) =>
      says(notice, /This is a delivery status notification from|Courier mail server/i),
  },
  {
    name: 'domino',
    matches: (_view, notice) => says(notice, /Lotus Domino|was not delivered to:|DELIVERY FAILURE/i),
  },
  {
    name: 'sendmail',
    matches: (_view, notice) =>
      says(notice, /The original message was received at|Transcript of session follows/i),
  },
  {
    name: 'japanese-carrier',
    matches: (view) =>
      fromDomain(
        view,
        /(ezweb|docomo|softbank|au|biglobe|dion|auone-net|i\.softbank)\.ne\.jp$|(^|\.)au\.com$/,
      ),
  },
];

export function familyOf(view: MessageView, notice: string): Family | null {
  return FAMILIES.find((family) => family.matches(view, notice)) ?? null;
}

/**
 * What a receiving provider's reply means in its own usage (the remote host, not the MTA that wrote the
 * report). Microsoft's consumer mail (hotmail.com, outlook.com, live.com) answers a RCPT for a mailbox it does
 * not have with the bare RFC 5321 text "550 Requested action not taken: mailbox unavailable".
 */
export function remoteHostReason(
  view: MessageView,
  remoteMta: string | null,
  diagnostic: string | null,
): BounceReason | null {
  const microsoft = /(^|[\s.@])(hotmail|outlook|live|msn)\.com\b/i;
  const host = `${remoteMta ?? ''} ${view.fromAddress.split('@')[1] ?? ''}`;
  if (
    microsoft.test(host) &&
    /^\s*550[ -]+requested action not taken: mailbox unavailable/i.test(diagnostic ?? '')
  )
    return 'userunknown';
  return null;
}
