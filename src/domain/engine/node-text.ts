import type { NodeOfKind, SequenceNode } from '../sequence/definition.ts';
import { DEFAULT_STEP_LABELS } from '../sequence/step-labels.ts';

/** Timeline wording per end reason (English; the UI shows the entry's kind translated and this summary). */
export const EXIT_TEXT: Record<string, string> = {
  replied: 'the record replied',
  bounced: 'the email bounced',
  unsubscribed: 'the record unsubscribed',
  do_not_email: 'the record is marked do not email',
  record_qualified: 'the record is qualified',
  record_disqualified: 'the record is disqualified',
  record_won: 'the record is won',
  record_lost: 'the record is lost',
  sequence_deactivated: 'the sequence was deactivated',
  sequence_deleted: 'the sequence was deleted',
  manual: 'disconnected by hand',
  advanced: 'moved on to another sequence',
};

export function isEmailNode(node: SequenceNode): node is NodeOfKind<'email'> | NodeOfKind<'automated_email'> {
  return node.kind === 'email' || node.kind === 'automated_email';
}

export function nextOf(node: SequenceNode): string | null {
  return 'next' in node ? node.next : node.no;
}

export function label(node: SequenceNode): string {
  return node.name?.trim() || DEFAULT_STEP_LABELS[node.kind];
}
