export type RecordStatusName = 'open' | 'qualified' | 'disqualified' | 'won' | 'lost';
export type ClosingReason = `record_${Exclude<RecordStatusName, 'open'>}`;

/**
 * When a record change ends its connection: a record that is not open (qualified, disqualified, won, lost) has
 * no business in a sequence and is disconnected with the reason `record_<status>`. Null: the record is open.
 * Idempotent: it only says what a live connection should become.
 */
export function closingReason(after: { status: RecordStatusName }): ClosingReason | null {
  return after.status === 'open' ? null : `record_${after.status}`;
}

/** Reason stored when a person disconnects without giving one. */
export const MANUAL_DISCONNECT_REASON = 'manual';
