import type { VerpSettings } from '../config.ts';
import type { Sendable } from '../domain/schedule/sendable.ts';
import type { Clock } from '../engine/clock.ts';
import { enqueueEvent } from '../engine/enqueue-event.ts';
import type { Store } from '../store/db.ts';
import { isDatabaseUnavailable } from '../store/db-errors.ts';
import { insertTimeline, markStopped, type OutboundRow, scheduleRetry } from '../store/repos/mail-repo.ts';
import { markSentLeased, requeueBehind } from '../store/repos/outbox-sending.ts';
import { inSpan, type SpanNotes } from '../tracing/tracing.ts';
import type { LeaseKeeper } from './lease-keeper.ts';
import { mailOptionsFor, type PrepareConfig } from './prepare-message.ts';
import { isSignInRefused, signInHoldReason } from './sign-in-hold.ts';
import { classifySmtpError, isServerUnreachable, type Route, type TransportPool } from './transport.ts';
import { verpAddress } from './verp.ts';
import { emitWebhookEvent } from './webhooks.ts';

/**
 * Step 4 of delivery: SMTP for messages already marked `sending` under this worker's lease.
 *  - Lanes: up to SEND_CONCURRENCY messages in flight per mailbox route; all messages of one connection go through
 *    ONE lane, in id order, so E1, E2, E3 of a sequence arrive in that order.
 *  - Each message is recorded `sent` (with its timeline entry and webhook) in its own transaction the moment its
 *    250 arrives, and only if this worker still holds it: a crash resends at most the messages inside an SMTP
 *    exchange — one per lane — never a whole batch.
 *  - While SMTP is slow the lease is renewed (LeaseKeeper); a message this worker no longer holds is not sent.
 */
export const SEND_CONCURRENCY = 8;
export const MAX_SEND_ATTEMPTS = 6;
/** How long a refused sign-in keeps a mailbox's emails from being tried (unless the mailbox changes first). */
export const REFUSAL_MEMORY_MS = 10 * 60_000;

/** Back-off after a temporary failure: 1 min, 5 min, 15 min, 1 h, 3 h. */
export function retryDelayMs(attempt: number): number {
  const steps = [60_000, 300_000, 900_000, 3_600_000, 10_800_000];
  return steps[Math.min(Math.max(attempt, 1) - 1, steps.length - 1)] as number;
}

export interface Sender {
  from: { name: string; address: string };
  route: Route;
}

export interface Outgoing {
  row: OutboundRow;
  sender: Sender;
}

export interface SendDeps {
  store: Store;
  clock: Clock;
  /** `verp`: each email's envelope sender carries its signed token (src/mail/verp.ts). */
  config: PrepareConfig & { leaseMs: number; verp?: VerpSettings | null };
  owner: string;
  pool: TransportPool;
  /** Tests throw from it to simulate a worker killed between the 250 and `sent`. */
  afterSmtp?: (row: OutboundRow) => Promise<void> | void;
  /** Records an email that failed for good (timeline, engine event, webhook). */
  fail(row: OutboundRow, reason: string, now: number): Promise<void>;
  /** Holds an email until a person acts (timeline, notification, its connection paused). */
  hold(row: OutboundRow, reason: string, now: number): Promise<void>;
  /** Routes whose SMTP server refused the sign-in, with the hold reason: their emails are held, not tried. */
  refusedRoutes: Map<string, { reason: string; until: number }>;
  /**
   * The schedule check (SPEC §6), asked again right before each hand-off: a batch is checked when claimed, but a
   * lane hands its messages over one after another, and a slow SMTP server can take it past the window's end.
   */
  schedule?: { check(row: { id: string }, now: number): Sendable };
}

export interface SendStats {
  sent: number;
  held: number;
  failed: number;
  retried: number;
}

/** Groups into lanes: per route, connections spread over at most SEND_CONCURRENCY lanes, each kept in order. */
function lanesOf(outgoing: Outgoing[]): Outgoing[][] {
  const byRoute = new Map<string, Map<string, Outgoing[]>>();
  for (const item of outgoing) {
    const routeKey = item.sender.route.kind === 'smtp' ? item.sender.route.key : 'catch_all';
    const connections = byRoute.get(routeKey) ?? new Map<string, Outgoing[]>();
    byRoute.set(routeKey, connections);
    const key = item.row.connection_id ?? item.row.id;
    connections.set(key, [...(connections.get(key) ?? []), item]);
  }
  const lanes: Outgoing[][] = [];
  for (const connections of byRoute.values()) {
    const routeLanes: Outgoing[][] = [];
    let next = 0;
    for (const items of connections.values()) {
      items.sort((a, b) => (a.row.id < b.row.id ? -1 : 1));
      if (routeLanes.length < SEND_CONCURRENCY) routeLanes.push([]);
      const lane = routeLanes[next % routeLanes.length] as Outgoing[];
      lane.push(...items);
      next++;
    }
    lanes.push(...routeLanes);
  }
  return lanes;
}

export async function sendBatch(
  deps: SendDeps,
  outgoing: Outgoing[],
  stats: SendStats,
  leases: LeaseKeeper,
): Promise<void> {
  if (outgoing.length === 0) return;
  let failure: { error: unknown } | null = null;
  // Routes whose server did not answer (a timeout, a refused or cut connection): their other emails of this batch
  // are not tried — one hung server costs one timeout per lane, not one per email, while every other mailbox waits.
  const unreachable = new Map<string, { until: number; reason: string }>();
  await Promise.all(
    lanesOf(outgoing).map(async (lane) => {
      // A connection whose email must be retried: its later emails wait behind it (order is kept).
      const waiting = new Map<string, number>();
      for (const item of lane) {
        if (failure) return;
        try {
          if (!leases.holds(item.row.id)) continue;
          const blockedUntil = item.row.connection_id ? waiting.get(item.row.connection_id) : undefined;
          if (blockedUntil !== undefined) {
            const now = deps.clock.now();
            const reason = 'Waiting for an earlier email of this sequence to go first';
            await requeueBehind(deps.store.db, item.row, deps.owner, blockedUntil, reason, now);
            continue;
          }
          // Put back without an attempt: outside the schedule now (later emails of the connection wait behind
          // it), or its route's server did not answer another email of this batch.
          const closedUntil = outsideSchedule(deps, item.row);
          const down = item.sender.route.kind === 'smtp' ? unreachable.get(item.sender.route.key) : undefined;
          const deferral = closedUntil ? { until: closedUntil.at, reason: closedUntil.reason } : down;
          if (deferral !== undefined) {
            if (closedUntil && item.row.connection_id)
              waiting.set(item.row.connection_id, closedUntil.at + 1);
            const now = deps.clock.now();
            await requeueBehind(deps.store.db, item.row, deps.owner, deferral.until, deferral.reason, now);
            continue;
          }
          const retryAt = await traceAttempt(item, (notes) => sendOne(deps, item, stats, notes, unreachable));
          if (retryAt !== null && item.row.connection_id) waiting.set(item.row.connection_id, retryAt + 1);
        } catch (error) {
          failure ??= { error };
        } finally {
          leases.release(item.row.id);
        }
      }
    }),
  );
  if (failure) throw (failure as { error: unknown }).error;
}

/** When the message's schedule is closed at this moment: the next opening and why (null: it may go now). */
function outsideSchedule(deps: SendDeps, row: OutboundRow): { at: number; reason: string } | null {
  const sendable = deps.schedule?.check(row, deps.clock.now());
  // "never" was decided (and the message held) when the batch was prepared; the hours did not change since.
  return sendable?.kind === 'later' ? { at: sendable.at, reason: sendable.reason } : null;
}

/** One span per delivery attempt when tracing is on: ids, attempt, route kind and outcome; never an address. */
function traceAttempt<T>({ row, sender }: Outgoing, work: (notes: SpanNotes) => Promise<T>): Promise<T> {
  const attributes = {
    'stepwise.outbound_message.id': row.id,
    'stepwise.email.attempt': row.attempts + 1,
    'stepwise.email.route': sender.route.kind,
  };
  return inSpan('stepwise.email.deliver', attributes, work);
}

/** The SMTP server's final answer to DATA (`250 2.0.0 Ok: queued as …`), as nodemailer reports it. */
function responseOf(info: { response?: unknown }): string | null {
  return typeof info.response === 'string' ? info.response : null;
}

/** Returns the retry time when the message must be tried again later, else null. */
async function sendOne(
  deps: SendDeps,
  { row, sender }: Outgoing,
  stats: SendStats,
  notes: SpanNotes,
  unreachable: Map<string, { until: number; reason: string }>,
): Promise<number | null> {
  const outcome = (value: 'sent' | 'deferred' | 'held' | 'failed' | 'lease_lost') =>
    notes.set('stepwise.email.outcome', value);
  const { store, clock } = deps;
  let response: string | null = null;
  // A refused sign-in: this email is held with the reason; later emails of its connection wait behind it.
  const holdRefused = async (reason: string) => {
    const now = clock.now();
    await deps.hold(row, reason, now);
    stats.held++;
    outcome('held');
    return now + retryDelayMs(1);
  };
  const refused = sender.route.kind === 'smtp' ? deps.refusedRoutes.get(sender.route.key) : undefined;
  if (refused !== undefined && refused.until > clock.now()) return holdRefused(refused.reason);
  try {
    if (sender.route.kind === 'smtp') {
      const transport = deps.pool.get(sender.route);
      const verp = deps.config.verp ? verpAddress(deps.config.verp, deps.config.secretKey, row.id) : null;
      const envelope = { from: verp ?? sender.from.address, to: [row.to_address] };
      if (row.raw_mime) {
        const info = await transport.sendMail({
          envelope,
          raw: row.raw_mime,
        });
        response = responseOf(info);
      } else {
        // Messages marked `sending` before raw bytes were stored: rebuild them from the stored content.
        const content = {
          subject: row.subject,
          bodyHtml: row.body_html,
          bodyText: row.body_text,
          messageId: row.message_id,
        };
        const info = await transport.sendMail({
          ...mailOptionsFor(row, content, sender.from, new Date(row.sent_at ?? clock.now()), deps.config),
          envelope,
        });
        response = responseOf(info);
      }
    }
  } catch (error) {
    const smtpFailure = classifySmtpError(error);
    if (sender.route.kind === 'smtp' && isSignInRefused(error)) {
      const reason = signInHoldReason(smtpFailure.reason);
      // Remembered for a while: a held email released by hand ("Try again") after that is tried once more.
      deps.refusedRoutes.set(sender.route.key, { reason, until: clock.now() + REFUSAL_MEMORY_MS });
      return holdRefused(reason);
    }
    const now = clock.now();
    if (!smtpFailure.permanent && row.attempts + 1 < MAX_SEND_ATTEMPTS) {
      const retryAt = now + retryDelayMs(row.attempts + 1);
      await scheduleRetry(store.db, row, retryAt, smtpFailure.reason, now);
      if (sender.route.kind === 'smtp' && isServerUnreachable(error) && !unreachable.has(sender.route.key)) {
        const reason = `Waiting: the mailbox's SMTP server did not answer another email (${smtpFailure.reason})`;
        unreachable.set(sender.route.key, { until: retryAt, reason: reason.slice(0, 1000) });
      }
      stats.retried++;
      outcome('deferred');
      return retryAt;
    }
    await deps.fail(row, smtpFailure.reason, now);
    stats.failed++;
    outcome('failed');
    return null;
  }
  await deps.afterSmtp?.(row);
  const recorded = await recordSentPatiently(deps, { row, sender }, response);
  if (recorded) stats.sent++;
  outcome(recorded ? 'sent' : 'lease_lost');
  return null;
}

/**
 * The server said 250: the email is out. If the database is unreachable right then (PostgreSQL restarting, the
 * connection killed), giving up would leave the email `sending` and another worker would send it again when the
 * lease runs out. So recording it is retried (0.25 s, 0.5 s, then every second) for twice the lease, at least
 * 30 s; the lease keeper renews the lease as soon as the database answers again. An outage longer than the lease
 * can still let another worker take the email over first: then it is sent again (the documented window).
 */
async function recordSentPatiently(
  deps: SendDeps,
  item: Outgoing,
  response: string | null,
): Promise<boolean> {
  const giveUpAt = Date.now() + Math.max(2 * deps.config.leaseMs, 30_000);
  for (let pause = 250; ; pause = Math.min(2 * pause, 1_000)) {
    try {
      return await recordSent(deps, item, response);
    } catch (error) {
      if (!isDatabaseUnavailable(error) || Date.now() + pause > giveUpAt) throw error;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

/** `sent` + timeline + webhook in one transaction; nothing is written when this worker lost the message. */
async function recordSent(
  deps: SendDeps,
  { row, sender }: Outgoing,
  response: string | null,
): Promise<boolean> {
  const now = deps.clock.now();
  return deps.store.db.transaction().execute(async (trx) => {
    if (!(await markSentLeased(trx, row, deps.owner, now, response))) return false;
    if (row.record_id) {
      await insertTimeline(trx, {
        orgId: row.org_id,
        recordId: row.record_id,
        connectionId: row.connection_id,
        kind: 'email_sent',
        actorId: null,
        summary: `Email sent: ${row.subject}`,
        data: {
          outboundMessageId: row.id,
          messageId: row.message_id,
          to: row.to_address,
          from: sender.from.address,
        },
        occurredAt: now,
      });
    }
    await emitWebhookEvent(trx, {
      orgId: row.org_id,
      event: 'email.sent',
      payload: {
        outboundMessageId: row.id,
        messageId: row.message_id,
        recordId: row.record_id,
        connectionId: row.connection_id,
        to: row.to_address,
        subject: row.subject,
        catchAll: sender.route.kind === 'catch_all',
      },
      idempotencyKey: `email.sent:${row.id}`,
      now,
    });
    return true;
  });
}

/** A failed message: stopped, on the timeline, the engine told (`email_failed`), a webhook. */
export async function recordFailure(
  store: Store,
  row: OutboundRow,
  reason: string,
  nodeId: string | null,
  now: number,
): Promise<void> {
  await store.db.transaction().execute(async (trx) => {
    await markStopped(trx, row, 'failed', reason, now);
    if (row.record_id) {
      await insertTimeline(trx, {
        orgId: row.org_id,
        recordId: row.record_id,
        connectionId: row.connection_id,
        kind: 'email_failed',
        actorId: null,
        summary: `Email failed: ${reason}`.slice(0, 500),
        data: { outboundMessageId: row.id },
        occurredAt: now,
      });
    }
    if (row.connection_id && nodeId) {
      await enqueueEvent(trx, {
        orgId: row.org_id,
        connectionId: row.connection_id,
        event: { id: `mail:${row.id}:failed`, type: 'email_failed', nodeId, reason },
        dueAt: now,
        now,
      });
    }
    await emitWebhookEvent(trx, {
      orgId: row.org_id,
      event: 'email.failed',
      payload: {
        outboundMessageId: row.id,
        recordId: row.record_id,
        connectionId: row.connection_id,
        reason,
      },
      idempotencyKey: `email.failed:${row.id}`,
      now,
    });
  });
}
