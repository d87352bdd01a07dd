import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type pino from 'pino';
import type { Config } from '../config.ts';
import { startBulkJobRunner } from '../engine/bulk-connect.ts';
import type { Clock } from '../engine/clock.ts';
import { startEngineWorker } from '../engine/worker.ts';
import { startMailWorker } from '../mail/delivery.ts';
import { startWebhookWorker } from '../mail/webhooks.ts';
import type { Store } from '../store/db.ts';

export interface BackgroundWork {
  stop(): Promise<void>;
}

/**
 * Everything that runs without a request: the engine's scheduler, outbox delivery, webhook delivery and bulk
 * jobs. `stepwise serve` starts it in-process (unless `--no-worker`); `stepwise worker` runs only this. Each loop
 * claims its rows with leases, so any number of processes may run it against one PostgreSQL database.
 */
export function startBackgroundWork(input: {
  store: Store;
  config: Config;
  clock: Clock;
  logger: pino.Logger;
}): BackgroundWork {
  const workerId = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const { store, config, clock, logger } = input;
  const engine = startEngineWorker({
    store,
    clock,
    config,
    logger: logger.child({ part: 'engine' }),
    workerId,
  });
  const mail = startMailWorker({ store, clock, config, logger: logger.child({ part: 'mail' }), workerId });
  const webhooks = startWebhookWorker({ store, clock, config, workerId, pollMs: config.worker.pollMs });
  const bulk = startBulkJobRunner({
    store,
    clock,
    workerId,
    leaseMs: config.worker.leaseMs,
    pollMs: config.worker.pollMs,
    onError: (error) => logger.error({ err: error, part: 'bulk' }, 'bulk job failed'),
  });
  logger.info({ workerId }, 'background work started');
  return {
    async stop() {
      await Promise.all([engine.stop(), mail.stop(), webhooks.stop(), bulk.stop()]);
    },
  };
}
