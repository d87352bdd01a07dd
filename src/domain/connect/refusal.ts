import type { Decision } from '../permissions/permissions.ts';

/**
 * Why a record may not be connected to a sequence (SPEC.md §5). One pure decision used by every path that
 * connects: one record, a list, a bulk job, a segment. The reasons are stable codes the UI translates.
 */
export const CONNECT_REFUSALS = [
  'sequence_not_active',
  'not_found',
  'not_your_record',
  'wrong_record_type',
  'not_open',
  'already_connected',
  'do_not_contact',
  'address_suppressed',
  'no_email_address',
] as const;
export type ConnectRefusal = (typeof CONNECT_REFUSALS)[number];

export const REFUSAL_MESSAGES: Record<ConnectRefusal, string> = {
  sequence_not_active: 'The sequence is not active',
  not_found: 'No such record',
  not_your_record: 'You may not connect this record',
  wrong_record_type: 'The record is not of the sequence’s record type',
  not_open: 'The record is not open (qualified, disqualified, won or lost)',
  already_connected: 'The record is already connected to a sequence',
  do_not_contact: 'The record is marked do-not-email and the sequence sends email',
  address_suppressed:
    'The record’s email address is on the organisation’s suppression list (it bounced, complained or unsubscribed) and the sequence sends email',
  no_email_address: 'The record has no email address and the sequence sends email',
};

export interface ConnectTarget {
  /** Active (or in revision, which keeps its active version running) with an active version. */
  connectable: boolean;
  recordType: string;
  /** The active version has email steps (manual or automated). */
  hasEmailSteps: boolean;
}

export interface ConnectCandidate {
  type: string;
  status: string;
  email: string | null;
  doNotEmail: boolean;
  /** The email address is on the organisation's suppression list (hard bounce, complaint, admin). */
  suppressed: boolean;
  businessUnitId: string;
  hasLiveConnection: boolean;
  /** `decideRecord(actor, policy, 'connect', record)`. */
  permission: Decision;
}

/**
 * The first reason, in a fixed order, why `record` cannot be connected; null when it can. `record` undefined:
 * the id does not exist in the organisation. A record the actor may not even see is reported `not_found`,
 * unless it sits in the actor's own business unit (a colleague's record): then `not_your_record`.
 */
export function connectRefusal(
  target: ConnectTarget,
  record: ConnectCandidate | undefined,
  actorBusinessUnitId: string,
): ConnectRefusal | null {
  if (!target.connectable) return 'sequence_not_active';
  if (!record) return 'not_found';
  if (!record.permission.allowed) {
    return record.permission.visible || record.businessUnitId === actorBusinessUnitId
      ? 'not_your_record'
      : 'not_found';
  }
  if (record.type !== target.recordType) return 'wrong_record_type';
  if (record.status !== 'open') return 'not_open';
  if (record.hasLiveConnection) return 'already_connected';
  if (target.hasEmailSteps && record.doNotEmail) return 'do_not_contact';
  if (target.hasEmailSteps && record.suppressed) return 'address_suppressed';
  if (target.hasEmailSteps && !record.email?.trim()) return 'no_email_address';
  return null;
}

/** A sequence takes new connections while active or in revision, as long as it has an active version. */
export function isConnectable(status: string, activeVersionId: string | null): boolean {
  return (status === 'active' || status === 'revision') && activeVersionId !== null;
}

/** Requests up to this many ids are answered inline; more (or a filter) become a background bulk job. */
export const INLINE_CONNECT_LIMIT = 1000;
