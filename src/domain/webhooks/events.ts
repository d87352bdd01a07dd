import { z } from 'zod';

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
  'step.snoozed',
  'step.assigned',
] as const;

/** Emitted by the engine when a connection is paused or resumed (by a seller, or by a held email). */
const CONNECTION_STATE_WEBHOOK_EVENTS = ['connection.paused', 'connection.resumed'] as const;

/** Emitted by the mail layer (delivery and engagement), in the transaction that records what happened. */
const MAIL_WEBHOOK_EVENTS = [
  'email.sent',
  'email.failed',
  'email.opened',
  'email.clicked',
  'email.replied',
  'email.bounced',
  'email.unsubscribed',
  'email.held',
] as const;

/** Emitted when a record itself changes: its recipient unsubscribed through the unsubscribe link. */
const RECORD_WEBHOOK_EVENTS = ['record.unsubscribed'] as const;

export const WEBHOOK_EVENTS = [
  ...ENGINE_WEBHOOK_EVENTS,
  ...CONNECTION_STATE_WEBHOOK_EVENTS,
  ...MAIL_WEBHOOK_EVENTS,
  ...RECORD_WEBHOOK_EVENTS,
] as const;
export type EngineWebhookEvent = (typeof ENGINE_WEBHOOK_EVENTS)[number];
export type MailWebhookEvent = (typeof MAIL_WEBHOOK_EVENTS)[number];
export type RecordWebhookEvent = (typeof RECORD_WEBHOOK_EVENTS)[number];
export type ConnectionStateWebhookEvent = (typeof CONNECTION_STATE_WEBHOOK_EVENTS)[number];
export type WebhookEventName = (typeof WEBHOOK_EVENTS)[number];

const EVENT_SET: ReadonlySet<string> = new Set(WEBHOOK_EVENTS);
const PREFIXES: ReadonlySet<string> = new Set(WEBHOOK_EVENTS.map((name) => name.split('.')[0] as string));

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

// ── What each event carries (`data`) ─────────────────────────────────────────────────────────────────────
const Id = z.string();
const ConnectionRef = { connectionId: Id, recordId: Id, sequenceId: Id };
const StepRef = { ...ConnectionRef, nodeId: Id, kind: z.string().meta({ description: 'The step kind' }) };
const MessageRef = {
  outboundMessageId: Id,
  recordId: Id.nullable(),
  connectionId: Id.nullable(),
};
const Engagement = z.looseObject({
  ...MessageRef,
  type: z.string().meta({ description: 'open, click, reply, auto_reply, bounce or unsubscribe' }),
  messageId: z.string().meta({ description: 'The email’s Message-ID header' }),
  to: z.string(),
  machine: z.boolean().meta({ description: 'Likely a machine (security scanner, mail proxy), not a person' }),
});

/**
 * The `data` of every event, one schema each: the OpenAPI document publishes them under `webhooks`, and the
 * engine's emitters are typed by them.
 */
export const WEBHOOK_EVENT_DATA = {
  'connection.connected': z.object(ConnectionRef),
  'connection.ended': z.object({
    ...ConnectionRef,
    status: z.enum(['completed', 'disconnected', 'failed']),
    reason: z
      .string()
      .meta({ description: 'completed, replied, bounced, unsubscribed, sequence_deleted, …' }),
    actorId: Id.optional(),
  }),
  'connection.paused': z.object({
    ...ConnectionRef,
    reason: z.enum(['manual', 'email_held']),
    actorId: Id.nullable(),
  }),
  'connection.resumed': z.object({
    ...ConnectionRef,
    reason: z.enum(['manual', 'email_released']),
    actorId: Id.nullable(),
  }),
  'step.due': z.object(StepRef),
  'step.completed': z.object({ ...StepRef, outcome: z.string().nullable(), actorId: Id }),
  'step.skipped': z.object({ ...StepRef, actorId: Id }),
  'step.snoozed': z.object({ ...StepRef, actorId: Id, until: z.iso.datetime() }),
  'step.assigned': z.object({ ...StepRef, actorId: Id, ownerId: Id }),
  'email.sent': z.looseObject({
    ...MessageRef,
    messageId: z.string(),
    to: z.string(),
    subject: z.string(),
    catchAll: z.boolean(),
  }),
  'email.failed': z.object({ ...MessageRef, reason: z.string() }),
  'email.opened': Engagement,
  'email.clicked': Engagement,
  'email.replied': Engagement,
  'email.bounced': Engagement,
  'email.unsubscribed': Engagement,
  'email.held': z.object({ ...MessageRef, reason: z.string() }),
  'record.unsubscribed': z.object({
    recordId: Id,
    address: z.string().meta({ description: 'The address that unsubscribed (now suppressed)' }),
    source: z.enum(['page', 'one_click']).meta({
      description: 'page: the unsubscribe page’s button; one_click: RFC 8058 one-click from the mail client',
    }),
    outboundMessageId: Id.meta({ description: 'The email whose unsubscribe link was used' }),
    connectionId: Id.nullable(),
  }),
} satisfies Record<WebhookEventName, z.ZodType>;

export type WebhookEventData = { [E in WebhookEventName]: z.infer<(typeof WEBHOOK_EVENT_DATA)[E]> };

/** The one typed event union: every event name with its data. */
export type WebhookEvent = {
  [E in WebhookEventName]: { event: E; data: WebhookEventData[E] };
}[WebhookEventName];

/** What `advance` states for an engine event; the engine adds the connection's ids when it writes it. */
export type EngineWebhookData<E extends EngineWebhookEvent> = Omit<
  WebhookEventData[E],
  keyof typeof ConnectionRef
>;

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
