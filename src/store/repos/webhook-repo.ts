import type { Kysely, Selectable } from 'kysely';
import type { Store } from '../db.ts';
import { newId } from '../ids.ts';
import type { Database, WebhookDeliveriesTable, WebhooksTable } from '../schema.ts';

export type WebhookRow = Selectable<WebhooksTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;

export async function listWebhooks(db: Kysely<Database>, orgId: string): Promise<WebhookRow[]> {
  return db
    .selectFrom('webhooks')
    .selectAll()
    .where('org_id', '=', orgId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export async function findWebhook(db: Kysely<Database>, orgId: string, id: string) {
  return db
    .selectFrom('webhooks')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function insertWebhook(
  db: Kysely<Database>,
  values: { orgId: string; url: string; secretEnc: string; events: string[]; enabled: boolean; now: number },
): Promise<WebhookRow> {
  const row: WebhookRow = {
    org_id: values.orgId,
    id: newId(values.now),
    url: values.url,
    secret: values.secretEnc,
    events_json: JSON.stringify(values.events),
    enabled: values.enabled ? 1 : 0,
    created_at: values.now,
  };
  await db.insertInto('webhooks').values(row).execute();
  return row;
}

export async function updateWebhook(
  db: Kysely<Database>,
  orgId: string,
  id: string,
  values: { url?: string; events?: string[]; enabled?: boolean; secretEnc?: string },
): Promise<void> {
  await db
    .updateTable('webhooks')
    .set({
      ...(values.url === undefined ? {} : { url: values.url }),
      ...(values.events === undefined ? {} : { events_json: JSON.stringify(values.events) }),
      ...(values.enabled === undefined ? {} : { enabled: values.enabled ? 1 : 0 }),
      ...(values.secretEnc === undefined ? {} : { secret: values.secretEnc }),
    })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .execute();
}

export async function deleteWebhook(db: Kysely<Database>, orgId: string, id: string): Promise<void> {
  await db
    .deleteFrom('webhook_deliveries')
    .where('org_id', '=', orgId)
    .where('webhook_id', '=', id)
    .execute();
  await db.deleteFrom('webhooks').where('org_id', '=', orgId).where('id', '=', id).execute();
}

/** Queues one delivery per subscribed webhook; the same idempotency key queues nothing new. */
export async function insertDeliveries(
  db: Kysely<Database>,
  input: {
    orgId: string;
    webhookIds: string[];
    event: string;
    payloadJson: string;
    idempotencyKey: string;
    now: number;
  },
): Promise<number> {
  if (input.webhookIds.length === 0) return 0;
  const rows = await db
    .insertInto('webhook_deliveries')
    .values(
      input.webhookIds.map((webhookId) => ({
        org_id: input.orgId,
        id: newId(input.now),
        webhook_id: webhookId,
        event: input.event,
        payload_json: input.payloadJson,
        idempotency_key: input.idempotencyKey,
        status: 'pending' as const,
        attempts: 0,
        next_attempt_at: input.now,
        response_status: null,
        last_error: null,
        lease_owner: null,
        lease_until: null,
        created_at: input.now,
        updated_at: input.now,
      })),
    )
    .onConflict((oc) => oc.columns(['org_id', 'webhook_id', 'idempotency_key']).doNothing())
    .returning('id')
    .execute();
  return rows.length;
}

/** Claims due deliveries with a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL). */
export async function claimDueDeliveries(
  store: Store,
  options: { now: number; owner: string; leaseMs: number; limit: number },
): Promise<WebhookDeliveryRow[]> {
  const { now, owner, leaseMs, limit } = options;
  return store.db.transaction().execute(async (trx) => {
    let query = trx
      .selectFrom('webhook_deliveries')
      .select(['org_id', 'id'])
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .orderBy('next_attempt_at')
      .orderBy('id')
      .limit(limit);
    if (store.dialect === 'postgres') query = query.forUpdate().skipLocked();
    const keys = await query.execute();
    const out: WebhookDeliveryRow[] = [];
    const byOrg = new Map<string, string[]>();
    for (const key of keys) byOrg.set(key.org_id, [...(byOrg.get(key.org_id) ?? []), key.id]);
    for (const [orgId, ids] of byOrg) {
      await trx
        .updateTable('webhook_deliveries')
        .set({ lease_owner: owner, lease_until: now + leaseMs })
        .where('org_id', '=', orgId)
        .where('id', 'in', ids)
        .execute();
      out.push(
        ...(await trx
          .selectFrom('webhook_deliveries')
          .selectAll()
          .where('org_id', '=', orgId)
          .where('id', 'in', ids)
          .execute()),
      );
    }
    return out;
  });
}

export async function finishDelivery(
  db: Kysely<Database>,
  row: Pick<WebhookDeliveryRow, 'org_id' | 'id'>,
  values: {
    status: WebhookDeliveryRow['status'];
    attempts: number;
    nextAttemptAt: number;
    responseStatus: number | null;
    lastError: string | null;
    now: number;
  },
): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set({
      status: values.status,
      attempts: values.attempts,
      next_attempt_at: values.nextAttemptAt,
      response_status: values.responseStatus,
      last_error: values.lastError,
      lease_owner: null,
      lease_until: null,
      updated_at: values.now,
    })
    .where('org_id', '=', row.org_id)
    .where('id', '=', row.id)
    .execute();
}

export async function listDeliveries(
  db: Kysely<Database>,
  orgId: string,
  webhookId: string,
  limit: number,
  before?: string,
): Promise<WebhookDeliveryRow[]> {
  let query = db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('webhook_id', '=', webhookId);
  if (before) query = query.where('id', '<', before);
  return query
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
}
