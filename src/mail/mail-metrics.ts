import { Counter, Registry } from 'prom-client';
import type { DeliveryStats } from './delivery.ts';
import type { InboundOutcome } from './inbound.ts';

/**
 * Counters of this process's mail work. /api/metrics of a `serve` process exposes them: inbound posts always
 * arrive there; deliveries are counted where the delivery loop runs (the in-process worker of `serve`; a
 * separate `stepwise worker` has no HTTP listener, so watch the outbox gauges for it).
 */
export const mailRegistry = new Registry();

const deliveries = new Counter({
  name: 'stepwise_mail_deliveries_total',
  help: 'Outbound emails handled by the delivery loop, by outcome (sent, deferred = temporary SMTP failure retried later, failed, held, canceled)',
  labelNames: ['outcome'] as const,
  registers: [mailRegistry],
});

const inbound = new Counter({
  name: 'stepwise_inbound_messages_total',
  help: 'Inbound emails processed (raw MIME endpoint and IMAP), by class: reply, auto_reply, bounce_hard, bounce_soft, delay, complaint, unmatched, …',
  labelNames: ['class'] as const,
  registers: [mailRegistry],
});

const OUTCOMES = ['sent', 'deferred', 'failed', 'held', 'canceled'] as const;
for (const outcome of OUTCOMES) deliveries.inc({ outcome }, 0);

/** Adds what one delivery round did (the difference between the stats before and after it). */
export function countDeliveries(before: DeliveryStats, after: DeliveryStats): void {
  const delta = (key: keyof DeliveryStats) => Math.max(0, after[key] - before[key]);
  deliveries.inc({ outcome: 'sent' }, delta('sent'));
  deliveries.inc({ outcome: 'deferred' }, delta('retried'));
  deliveries.inc({ outcome: 'failed' }, delta('failed'));
  deliveries.inc({ outcome: 'held' }, delta('held'));
  deliveries.inc({ outcome: 'canceled' }, delta('canceled'));
}

export function countInbound(outcome: InboundOutcome): void {
  const label = outcome.kind === 'bounce' ? (outcome.hard ? 'bounce_hard' : 'bounce_soft') : outcome.kind;
  inbound.inc({ class: label });
}
