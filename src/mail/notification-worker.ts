import type pino from 'pino';
import type { Config } from '../config.ts';
import type { Clock } from '../engine/clock.ts';
import { raiseOverdueNotices } from '../engine/overdue-notices.ts';
import type { Store } from '../store/db.ts';
import { sendDueDigests } from './notification-digest.ts';

/** One pass of the notification loop: overdue steps raise their notification, due digests are queued. */
export async function notificationTick(deps: {
  store: Store;
  clock: Clock;
  config: Pick<Config, 'publicUrl'>;
}): Promise<{ overdue: number; digests: number }> {
  const overdue = await raiseOverdueNotices(deps.store.db, deps.clock.now());
  const digests = await sendDueDigests(deps);
  return { overdue, digests };
}

/**
 * Runs `notificationTick` every `everyMs` (default a minute) in the background worker. Every write it makes is
 * keyed (a unique notification key, a unique digest per user and period), so any number of workers may run it.
 */
export function startNotificationWorker(input: {
  store: Store;
  clock: Clock;
  config: Pick<Config, 'publicUrl'>;
  logger: pino.Logger;
  everyMs?: number;
}): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  let busy = false;
  const run = () => {
    if (busy) return;
    busy = true;
    running = notificationTick(input)
      .then((done) => {
        if (done.overdue > 0 || done.digests > 0)
          input.logger.info(done, 'notifications raised and digests queued');
      })
      .catch((error: unknown) => input.logger.error({ err: error }, 'notification check failed'))
      .finally(() => {
        busy = false;
      });
  };
  run();
  const timer = setInterval(run, input.everyMs ?? 60_000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
