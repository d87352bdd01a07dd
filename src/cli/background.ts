import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type pino from 'pino';
import type { Config } from '../config.ts';
import { type Clock, systemClock } from '../engine/clock.ts';
import { startEngineWorker } from '../engine/worker.ts';
import type { Store } from '../store/db.ts';
import { acquireSchedulerLock } from '../store/scheduler-lock.ts';

export interface BackgroundWork {
  stop(): Promise<void>;
}

/**
 * A loop whose module loads on demand: `stepwise worker --only engine` does not load the mail, IMAP, SMTP and
 * webhook libraries (tens of MiB of resident memory in every engine worker). A loop that cannot load is logged.
 */
function lazyLoop(
  load: () => Promise<{ stop(): Promise<unknown> } | null>,
  logger: pino.Logger,
  part: string,
): { stop(): Promise<unknown> } {
  const started = load().catch((error: unknown) => {
    logger.error({ err: error, part }, 'background loop could not start');
    return null;
  });
  return { stop: async () => (await started)?.stop() };
}

export const BACKGROUND_PARTS = ['engine', 'mail', 'webhooks', 'bulk'] as const;
export type BackgroundPart = (typeof BACKGROUND_PARTS)[number];

/**
 * Everything that runs without a request: the engine's scheduler, outbox delivery, webhook delivery and bulk
 * jobs. `stepwise serve` starts it in-process (unless `--no-worker`); `stepwise worker` runs only this. Each loop
 * claims its rows with leases, so any number of processes may run it against one PostgreSQL database; on SQLite
 * one process owns it (see src/store/scheduler-lock.ts) and a second one fails to start with SchedulerLockedError.
 */
export function startBackgroundWork(input: {
  store: Store;
  config: Config;
  clock: Clock;
  logger: pino.Logger;
  /** Which loops to run (default: all). */
  parts?: readonly BackgroundPart[];
  /** Written into lease columns; a stable id lets a restarted worker take back its own leases. */
  workerId?: string;
}): BackgroundWork {
  const workerId = input.workerId ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const { store, config, clock, logger } = input;
  const parts = new Set(input.parts ?? BACKGROUND_PARTS);
  // SQLite: one process owns the background work; a second one is refused here (SchedulerLockedError).
  const lock = acquireSchedulerLock(store.url);
  const running: { stop(): Promise<unknown> }[] = [];
  if (parts.has('engine')) {
    running.push(
      startEngineWorker({ store, clock, config, logger: logger.child({ part: 'engine' }), workerId }),
    );
  }
  if (parts.has('mail')) {
    running.push(
      lazyLoop(
        async () => {
          const { startMailWorker } = await import('../mail/mail-worker.ts');
          return startMailWorker({
            store,
            clock,
            config,
            logger: logger.child({ part: 'mail' }),
            workerId,
            // A test clock (STEPWISE_TEST_CLOCK) is meant to differ from the database's.
            clockCheck: clock === systemClock,
          });
        },
        logger,
        'mail',
      ),
    );
    // Replies from mailboxes with IMAP settings (the inbound MIME endpoint needs no poller).
    running.push(
      lazyLoop(
        async () => {
          const { startImapPoller } = await import('../mail/imap.ts');
          return startImapPoller({ store, clock, config, logger: logger.child({ part: 'imap' }) });
        },
        logger,
        'imap',
      ),
    );
    // Overdue-step notifications and the email digest (src/mail/notification-worker.ts).
    running.push(
      lazyLoop(
        async () => {
          const { startNotificationWorker } = await import('../mail/notification-worker.ts');
          return startNotificationWorker({
            store,
            clock,
            config,
            logger: logger.child({ part: 'notifications' }),
          });
        },
        logger,
        'notifications',
      ),
    );
    // Inbound messages are kept 30 days (Settings → Inbound mail), then swept.
    running.push(
      lazyLoop(
        async () => {
          const { startInboundRetention } = await import('../mail/inbound-log.ts');
          return startInboundRetention({
            db: store.db,
            now: () => clock.now(),
            onError: (error) =>
              logger.error({ err: error, part: 'inbound' }, 'inbound retention sweep failed'),
          });
        },
        logger,
        'inbound',
      ),
    );
    if (config.inboundSmtp.port !== undefined) {
      const smtpLog = logger.child({ part: 'inbound-smtp' });
      const listening = import('../mail/smtp-listener.ts')
        .then(({ startInboundSmtp }) => startInboundSmtp({ store, clock, config, logger: smtpLog }))
        .then(
          (listener) => {
            smtpLog.info({ host: config.inboundSmtp.host, port: listener.port }, 'inbound SMTP listening');
            return listener;
          },
          (error: unknown) => {
            smtpLog.error({ err: error }, 'inbound SMTP listener could not start');
            return null;
          },
        );
      running.push({ stop: async () => (await listening)?.stop() });
    }
  }
  if (parts.has('webhooks')) {
    const webhookLog = logger.child({ part: 'webhooks' });
    running.push(
      lazyLoop(
        async () => {
          const { startWebhookWorker } = await import('../mail/webhooks.ts');
          return startWebhookWorker({
            store,
            clock,
            config,
            workerId,
            pollMs: config.worker.pollMs,
            onError: (error) => webhookLog.error({ err: error }, 'webhook delivery failed'),
          });
        },
        logger,
        'webhooks',
      ),
    );
  }
  if (parts.has('bulk')) {
    running.push(
      lazyLoop(
        async () => {
          const { startBulkJobRunner } = await import('../engine/bulk-connect.ts');
          return startBulkJobRunner({
            store,
            clock,
            workerId,
            leaseMs: config.worker.leaseMs,
            pollMs: config.worker.pollMs,
            onError: (error) => logger.error({ err: error, part: 'bulk' }, 'bulk job failed'),
          });
        },
        logger,
        'bulk',
      ),
    );
    // CSV imports (bulk jobs of kind `import`) resume at their cursor after a crash or restart.
    running.push(
      lazyLoop(
        async () => {
          const { startImportJobRunner } = await import('../engine/import-jobs.ts');
          return startImportJobRunner({
            store,
            clock,
            workerId,
            leaseMs: config.worker.leaseMs,
            pollMs: config.worker.pollMs,
            onError: (error) => logger.error({ err: error, part: 'bulk' }, 'import job failed'),
          });
        },
        logger,
        'bulk',
      ),
    );
  }
  logger.info({ workerId, parts: [...parts] }, 'background work started');
  return {
    async stop() {
      try {
        await Promise.all(running.map((part) => part.stop()));
      } finally {
        lock.release();
      }
    },
  };
}
