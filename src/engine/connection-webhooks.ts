import type { Kysely } from 'kysely';
import {
  type ConnectionStateWebhookEvent,
  parseSubscription,
  subscriptionMatches,
  type WebhookEventData,
  webhookEnvelope,
} from '../domain/webhooks/events.ts';
import { newId } from '../store/ids.ts';
import { insertWebhookDeliveries, loadEnabledWebhooks } from '../store/repos/engine-repo.ts';
import type { Database, WebhookDeliveriesTable } from '../store/schema.ts';

/**
 * `connection.paused` / `connection.resumed`, queued for every subscribed webhook inside the caller's transaction
 * (the same outbox and envelope as the engine's other events). The id is stable per connection, event and time.
 */
export async function emitConnectionStateWebhook<E extends ConnectionStateWebhookEvent>(
  db: Kysely<Database>,
  input: { orgId: string; event: E; data: WebhookEventData[E]; now: number },
): Promise<void> {
  const hooks = (await loadEnabledWebhooks(db, [input.orgId])).filter((hook) =>
    subscriptionMatches(parseSubscription(hook.events_json), input.event),
  );
  if (hooks.length === 0) return;
  const id = `${input.data.connectionId}:${input.event}:${input.now}`;
  const payload = JSON.stringify(
    webhookEnvelope({ id, event: input.event, at: input.now, orgId: input.orgId, data: input.data }),
  );
  const rows: WebhookDeliveriesTable[] = hooks.map((hook) => ({
    org_id: input.orgId,
    id: newId(input.now),
    webhook_id: hook.id,
    event: input.event,
    payload_json: payload,
    idempotency_key: id,
    status: 'pending',
    attempts: 0,
    next_attempt_at: input.now,
    response_status: null,
    last_error: null,
    lease_owner: null,
    lease_until: null,
    created_at: input.now,
    updated_at: input.now,
  }));
  await insertWebhookDeliveries(db, rows);
}
