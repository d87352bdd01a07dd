import type { RecipientAction } from './types.ts';

/**
 * Amazon SES notifications delivered by email through SNS: a JSON document with `notificationType` (or
 * `eventType`) Bounce, Complaint or Delivery and the recipients it concerns.
 */

export interface SesNotification {
  type: 'bounce' | 'complaint' | 'delivery';
  permanent: boolean;
  recipients: Array<{
    address: string;
    status: string | null;
    diagnostic: string | null;
    action: RecipientAction;
  }>;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null;
const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

function parseJson(body: string): Json | null {
  const start = body.indexOf('{');
  const end = body.lastIndexOf('}');
  if (start < 0 || end <= start) return null;
  try {
    const parsed: unknown = JSON.parse(
      body
        .slice(start, end + 1)
        .replace(/!\n /g, '')
        .replace(/\n/g, ''),
    );
    if (!isObject(parsed)) return null;
    const inner = text(parsed.Message);
    if (inner) return parseJson(inner);
    return parsed;
  } catch {
    return null;
  }
}

export function readSesNotification(body: string): SesNotification | null {
  if (!/notificationType|eventType/.test(body)) return null;
  const json = parseJson(body);
  if (!json) return null;
  const kind = (text(json.notificationType) ?? text(json.eventType) ?? '').toLowerCase();
  if (kind === 'bounce' && isObject(json.bounce)) {
    const bounce = json.bounce;
    const list = Array.isArray(bounce.bouncedRecipients) ? bounce.bouncedRecipients : [];
    return {
      type: 'bounce',
      permanent: text(bounce.bounceType) === 'Permanent',
      recipients: list.filter(isObject).map((entry) => ({
        address: (text(entry.emailAddress) ?? '').toLowerCase(),
        status: text(entry.status),
        diagnostic: text(entry.diagnosticCode),
        action: 'failed' as const,
      })),
    };
  }
  if (kind === 'complaint' && isObject(json.complaint)) {
    const list = Array.isArray(json.complaint.complainedRecipients)
      ? json.complaint.complainedRecipients
      : [];
    return {
      type: 'complaint',
      permanent: false,
      recipients: list.filter(isObject).map((entry) => ({
        address: (text(entry.emailAddress) ?? '').toLowerCase(),
        status: null,
        diagnostic: null,
        action: 'failed' as const,
      })),
    };
  }
  if (kind === 'delivery' && isObject(json.delivery)) {
    const list = Array.isArray(json.delivery.recipients) ? json.delivery.recipients : [];
    const response = text(json.delivery.smtpResponse);
    return {
      type: 'delivery',
      permanent: false,
      recipients: list
        .filter((entry): entry is string => typeof entry === 'string')
        .map((address) => ({
          address: address.toLowerCase(),
          status: '2.6.0',
          diagnostic: response,
          action: 'delivered' as const,
        })),
    };
  }
  return null;
}
