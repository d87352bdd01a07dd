import { loopStopped } from '../engine/loop-health.ts';
import { type DeliveryStats, MailDelivery, type MailWorkerDeps } from './delivery.ts';
import { startPolling, type Worker } from './webhooks.ts';

/** Starts polling the outbox every `config.worker.pollMs`; `drain` delivers what is due at the clock's now. */
export function startMailWorker(deps: MailWorkerDeps): {
  stop(): Promise<void>;
  drain(): Promise<DeliveryStats>;
} {
  const delivery = new MailDelivery(deps);
  let last: DeliveryStats = { sent: 0, held: 0, failed: 0, canceled: 0, retried: 0 };
  const worker: Worker = startPolling(
    async (signal) => {
      last = await delivery.drain(signal);
      return last.sent;
    },
    deps.config.worker.pollMs,
    (error) => deps.logger?.error({ err: error }, 'mail delivery failed'),
  );
  return {
    async stop() {
      await worker.stop();
      loopStopped('mail');
      delivery.close();
    },
    async drain() {
      await worker.drain();
      return last;
    },
  };
}
