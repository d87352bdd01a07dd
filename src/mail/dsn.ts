/**
 * Delivery status notifications (RFC 3464, `multipart/report; report-type=delivery-status`): the per-recipient
 * fields say what happened. Status 5.x.x is a hard bounce (the address does not work: stop the sequence),
 * 4.x.x a soft one (recorded only; the server may still deliver).
 */
export interface BounceReport {
  hard: boolean;
  status: string;
  action: string | null;
  recipient: string | null;
  diagnostic: string | null;
}

export function isDeliveryReport(contentType: string | undefined, reportType: string | undefined): boolean {
  return contentType?.toLowerCase() === 'multipart/report' && reportType?.toLowerCase() === 'delivery-status';
}

/** Reads the first failed/delayed recipient block of the delivery-status part (text as mailparser gives it). */
export function parseDeliveryStatus(text: string): BounceReport | null {
  const status = /^Status:\s*([245])\.(\d{1,3})\.(\d{1,3})/im.exec(text);
  if (!status) return null;
  const field = (name: string) =>
    new RegExp(`^${name}:\\s*(.+(?:\\r?\\n[ \\t].+)*)`, 'im').exec(text)?.[1]?.replace(/\s+/g, ' ').trim() ??
    null;
  const code = `${status[1]}.${status[2]}.${status[3]}`;
  if (status[1] === '2') return null;
  const recipient = field('Final-Recipient') ?? field('Original-Recipient');
  return {
    hard: status[1] === '5',
    status: code,
    action: field('Action')?.toLowerCase() ?? null,
    recipient: recipient ? recipient.replace(/^rfc822\s*;\s*/i, '').toLowerCase() : null,
    diagnostic: field('Diagnostic-Code'),
  };
}
