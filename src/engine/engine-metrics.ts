import { Counter, Registry } from 'prom-client';

/**
 * Counters the engine loop of this process increments; /api/metrics of a `serve` process that runs the worker
 * in-process exposes them (a `stepwise worker` has no HTTP listener: watch the database gauges instead).
 */
export const engineRegistry = new Registry();

export const engineTasksClaimed = new Counter({
  name: 'stepwise_engine_tasks_claimed_total',
  help: 'Engine tasks (due steps, waits ending, events) this process claimed and applied',
  registers: [engineRegistry],
});

export const engineBatches = new Counter({
  name: 'stepwise_engine_batches_total',
  help: 'Engine batches this process ran, by outcome',
  labelNames: ['outcome'] as const,
  registers: [engineRegistry],
});
