/**
 * What an inbound message is, and for delivery reports what happened to each recipient. The reason taxonomy
 * follows the one the open bounce parsers use (sisimai), so results can be compared with theirs.
 */

export const INBOUND_CLASSES = [
  'bounce',
  'delay',
  'delivered',
  'feedback',
  'auto_reply',
  'challenge',
  'reply',
  'other',
] as const;
export type InboundClass = (typeof INBOUND_CLASSES)[number];

export const BOUNCE_REASONS = [
  'userunknown',
  'hostunknown',
  'hasmoved',
  'notaccept',
  'mailboxfull',
  'exceedlimit',
  'mesgtoobig',
  'suspend',
  'filtered',
  'rejected',
  'blocked',
  'spamdetected',
  'virusdetected',
  'policyviolation',
  'securityerror',
  'authfailure',
  'requireptr',
  'badreputation',
  'notcompliantrfc',
  'contenterror',
  'syntaxerror',
  'norelaying',
  'toomanyconn',
  'speeding',
  'expired',
  'networkerror',
  'systemerror',
  'mailererror',
  'onhold',
  'undefined',
] as const;
export type BounceReason = (typeof BOUNCE_REASONS)[number];
export type Reason = BounceReason | 'delivered' | 'feedback' | 'vacation' | 'challenge';

export type RecipientAction = 'failed' | 'delayed' | 'delivered' | 'relayed' | 'expanded';

/** One recipient of a delivery report. */
export interface RecipientReport {
  /** Lower-cased address, or null when the report does not say (some notices only quote the message). */
  address: string | null;
  action: RecipientAction;
  /** Enhanced status code (RFC 3463), e.g. 5.1.1; a pseudo code (x.0.9xx) when the report has none. */
  status: string;
  reason: Reason;
  /** The address is permanently bad: suppress it for the whole organisation. */
  hard: boolean;
  diagnostic: string | null;
}

/** What the returned content says about the email we sent. */
export interface OriginalRefs {
  messageIds: string[];
  stepwiseIds: string[];
  recipients: string[];
}

export interface Classification {
  class: InboundClass;
  /** Which recogniser decided (e.g. `rfc3464`, `qmail`, `arf`, `rfc3834`), for the admin view and tests. */
  via: string;
  recipients: RecipientReport[];
  original: OriginalRefs;
  /** Feedback type (abuse, opt-out …) or the auto-reply signal that decided. */
  detail: string | null;
}
