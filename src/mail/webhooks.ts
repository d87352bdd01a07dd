import { createHmac } from 'node:crypto';
import type { Kysely } from 'kysely';
import {
  type MailWebhookEvent,
  parseSubscription,
  type RecordWebhookEvent,
  subscriptionMatches,
  webhookEnvelope,
} from '../domain/webhooks/events.ts';
import type { Clock } from '../engine/clock.ts';
import { postOutbound } from '../net/outbound-http.ts';
import type { Store } from '../store/db.ts';
import { newId } from '../store/ids.ts';
import {
  claimDueDeliveries,
  findWebhook,
  finishDelivery,
  insertDeliveries,
  listWebhooks,
  type WebhookDeliveryRow,
} from '../store/repos/webhook-repo.ts';
import type { Database } from '../store/schema.ts';
import { decryptSecret } from './secrets.ts';

/**
 * Outgoing webhooks: `emitWebhookEvent` queues a delivery row per subscribed webhook inside the caller's
 * transaction (the outbox pattern again); `deliverDueWebhooks` POSTs them, signed, with retries and back-off.
 */

export { WEBHOOK_EVENTS, type WebhookEventName } from '../domain/webhooks/events.ts';

export const SIGNATURE_HEADER = 'x-stepwise-signature';
export const MAX_WEBHOOK_ATTEMPTS = 8;

export interface EmitWebhookInput {
  orgId: string;
  event: MailWebhookEvent | RecordWebhookEvent;
  payload: Record<string, unknown>;
  /** Same key, same event: queued once per webhook however often it is emitted. */
  idempotencyKey: string;
  now: number;
}

/** Queues the event for every enabled webhook of the org subscribed to it. Call inside your transaction. */
export async function emitWebhookEvent(db: Kysely<Database>, input: EmitWebhookInput): Promise<number> {
  const hooks = (await listWebhooks(db, input.orgId)).filter(
    (hook) => hook.enabled === 1 && subscriptionMatches(parseSubscription(hook.events_json), input.event),
  );
  if (hooks.length === 0) return 0;
  const body = webhookEnvelope({
    id: input.idempotencyKey,
    event: input.event,
    at: input.now,
    orgId: input.orgId,
    data: input.payload,
  });
  return insertDeliveries(db, {
    orgId: input.orgId,
    webhookIds: hooks.map((hook) => hook.id),
    event: input.event,
    payloadJson: JSON.stringify(body),
    idempotencyKey: input.idempotencyKey,
    now: input.now,
  });
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>` — see docs/email.md for verification. */
export function signWebhookBody(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/** 1 min, 5 min, 30 min, 2 h, 6 h, 12 h, 24 h. */
export function webhookBackoffMs(attempt: number): number {
  const steps = [60_000, 300_000, 1_800_000, 7_200_000, 21_600_000, 43_200_000, 86_400_000];
  return steps[Math.min(attempt - 1, steps.length - 1)] as number;
}

export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal },
) => Promise<{ status: number }>;

export interface WebhookWorkerDeps {
  store: Store;
  clock: Clock;
  /** `outboundAllowList`: see src/net/outbound-address.ts (private addresses are refused unless listed). */
  config: { secretKey: string; outboundAllowList: readonly string[] };
  /** Replaces the guarded HTTP client (tests of retry logic); the default checks and pins the address. */
  fetch?: FetchLike;
  workerId?: string;
  batchSize?: number;
  timeoutMs?: number;
}

async function deliverOne(deps: WebhookWorkerDeps, row: WebhookDeliveryRow): Promise<void> {
  const now = deps.clock.now();
  const hook = await findWebhook(deps.store.db, row.org_id, row.webhook_id);
  const attempts = row.attempts + 1;
  if (hook?.enabled !== 1) {
    await finishDelivery(deps.store.db, row, {
      status: 'failed',
      attempts,
      nextAttemptAt: now,
      responseStatus: null,
      lastError: hook ? 'webhook disabled' : 'webhook deleted',
      now,
    });
    return;
  }
  let status: number | null = null;
  let error: string | null = null;
  try {
    const secret = decryptSecret(deps.config.secretKey, hook.secret);
    const signature = signWebhookBody(secret, row.payload_json, Math.floor(now / 1000));
    const send: FetchLike =
      deps.fetch ?? ((url, init) => postOutbound(url, init, { allowList: deps.config.outboundAllowList }));
    const response = await send(hook.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Stepwise-Webhooks/1',
        [SIGNATURE_HEADER]: signature,
        'x-stepwise-event': row.event,
        'x-stepwise-delivery': row.idempotency_key,
      },
      body: row.payload_json,
      signal: AbortSignal.timeout(deps.timeoutMs ?? 10_000),
    });
    status = response.status;
    if (status >= 300 && status < 400) error = `HTTP ${status} (redirects are not followed)`;
    else if (status < 200 || status >= 300) error = `HTTP ${status}`;
  } catch (caught) {
    error = (caught as Error).message || 'request failed';
  }
  const done = error === null;
  const giveUp = !done && attempts >= MAX_WEBHOOK_ATTEMPTS;
  await finishDelivery(deps.store.db, row, {
    status: done ? 'delivered' : giveUp ? 'failed' : 'pending',
    attempts,
    nextAttemptAt: done || giveUp ? now : now + webhookBackoffMs(attempts),
    responseStatus: status,
    lastError: error?.slice(0, 1000) ?? null,
    now,
  });
}

/**
 * Delivers every delivery due now; returns how many attempts were made. Once `signal` is aborted (shutdown) it
 * returns after the batch in hand instead of draining the queue.
 */
export async function deliverDueWebhooks(deps: WebhookWorkerDeps, signal?: AbortSignal): Promise<number> {
  const owner = deps.workerId ?? `webhooks-${newId()}`;
  let attempted = 0;
  for (;;) {
    if (signal?.aborted) return attempted;
    const rows = await claimDueDeliveries(deps.store, {
      now: deps.clock.now(),
      owner,
      leaseMs: 120_000,
      limit: deps.batchSize ?? 50,
    });
    if (rows.length === 0) return attempted;
    await Promise.all(rows.map((row) => deliverOne(deps, row)));
    attempted += rows.length;
  }
}

export interface Worker {
  stop(): Promise<void>;
  drain(): Promise<number>;
}

/** Polls for due deliveries every `pollMs`; `drain` delivers what is due now (tests, shutdown). */
export function startWebhookWorker(
  deps: WebhookWorkerDeps & { pollMs?: number; onError?: (error: unknown) => void },
): Worker {
  return startPolling((signal) => deliverDueWebhooks(deps, signal), deps.pollMs ?? 1000, deps.onError);
}

/** After this many failed ticks in a row the pause stops growing (it doubles from `pollMs` up to this). */
export const MAX_POLL_BACKOFF_MS = 5_000;

/**
 * A loop that runs `tick` every `pollMs`, never overlapping itself; `drain` runs it once more now. A failing tick
 * (the database restarting) is reported to `onError` and retried after a pause that doubles with each failure
 * in a row, up to `MAX_POLL_BACKOFF_MS` (or `pollMs` when that is longer); the loop itself never ends.
 * `stop()` aborts the signal every tick receives: a tick that loops over batches returns after the batch in hand
 * (SIGTERM must not wait for a backlog to empty), and `stop()` resolves when it has.
 */
export function startPolling(
  tick: (signal: AbortSignal) => Promise<number>,
  pollMs: number,
  onError?: (error: unknown) => void,
): Worker {
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let chain: Promise<unknown> = Promise.resolve();
  let failures = 0;
  const stopping = new AbortController();
  const run = () => tick(stopping.signal);
  const exclusive = (): Promise<number> => {
    const next = chain.then(run, run);
    chain = next.catch(() => undefined);
    return next;
  };
  const schedule = (delay = pollMs) => {
    if (stopped) return;
    timer = setTimeout(() => {
      exclusive()
        .then(
          () => {
            failures = 0;
            return pollMs;
          },
          (error: unknown) => {
            failures++;
            try {
              onError?.(error);
            } catch {
              // A failing error handler must not end the loop.
            }
            return Math.max(
              pollMs,
              Math.min(Math.max(pollMs, 100) * 2 ** Math.min(failures, 10), MAX_POLL_BACKOFF_MS),
            );
          },
        )
        .then(schedule);
    }, delay);
    timer.unref();
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      stopping.abort();
      if (timer) clearTimeout(timer);
      await chain;
    },
    drain: exclusive,
  };
}
