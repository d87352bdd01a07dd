/**
 * The webhook vocabulary: every event a subscriber can receive, who emits it, how a subscription matches, and
 * the one envelope every delivery carries. The API advertises `WEBHOOK_EVENTS`, the settings page offers it,
 * the engine (through `advance`) and the mail layer emit only these names.
 */

/** Emitted by the engine (effects of `advance`, written in the engine's transaction). */
export const ENGINE_WEBHOOK_EVENTS = [
  'connection.connected',
  'connection.ended',
  'step.due',
  'step.completed',
  'step.skipped',
] as const;

/** Emitted by the mail layer (delivery and engagement), in the transaction that records what happened. */
export const MAIL_WEBHOOK_EVENTS = [
  'email.sent',
  'email.failed',
  'email.opened',
  'email.clicked',
  'email.replied',
  'email.bounced',
  'email.unsubscribed',
] as const;

export const WEBHOOK_EVENTS = [...ENGINE_WEBHOOK_EVENTS, ...MAIL_WEBHOOK_EVENTS] as const;
export type EngineWebhookEvent = (typeof ENGINE_WEBHOOK_EVENTS)[number];
export type MailWebhookEvent = (typeof MAIL_WEBHOOK_EVENTS)[number];
export type WebhookEventName = (typeof WEBHOOK_EVENTS)[number];

/** How a connection ended (`connection.ended`'s `data.status`); the reason says why. */
export type ConnectionEndStatus = 'completed' | 'disconnected' | 'failed';

const EVENT_SET: ReadonlySet<string> = new Set(WEBHOOK_EVENTS);
const PREFIXES: ReadonlySet<string> = new Set(WEBHOOK_EVENTS.map((name) => name.split('.')[0] as string));

export function isWebhookEvent(name: string): name is WebhookEventName {
  return EVENT_SET.has(name);
}

/** A subscription entry is `*`, a known event name, or `<prefix>.*` for a known prefix (`email.*`). */
export function isValidSubscription(pattern: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) return PREFIXES.has(pattern.slice(0, -2));
  return EVENT_SET.has(pattern);
}

/** The one matcher: does a webhook subscribed to `patterns` receive `event`? */
export function subscriptionMatches(patterns: readonly string[], event: string): boolean {
  return patterns.some(
    (p) => p === '*' || p === event || (p.endsWith('.*') && event.startsWith(p.slice(0, -1))),
  );
}

/** Reads a stored `events_json`; anything unreadable subscribes to nothing. */
export function parseSubscription(eventsJson: string): string[] {
  try {
    const parsed: unknown = JSON.parse(eventsJson);
    return Array.isArray(parsed) ? parsed.filter((e): e is string => typeof e === 'string') : [];
  } catch {
    return [];
  }
}

/** The body of every webhook POST. `id` is stable per event (use it to deduplicate retries). */
export interface WebhookEnvelope {
  id: string;
  event: WebhookEventName;
  /** ISO 8601, UTC. */
  occurredAt: string;
  orgId: string;
  data: Record<string, unknown>;
}

export function webhookEnvelope(input: {
  id: string;
  event: WebhookEventName;
  at: number;
  orgId: string;
  data: Record<string, unknown>;
}): WebhookEnvelope {
  return {
    id: input.id,
    event: input.event,
    occurredAt: new Date(input.at).toISOString(),
    orgId: input.orgId,
    data: input.data,
  };
}
