import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type pino from 'pino';
import type { Config } from '../config.ts';
import { startBulkJobRunner } from '../engine/bulk-connect.ts';
import type { Clock } from '../engine/clock.ts';
import { startImportJobRunner } from '../engine/import-jobs.ts';
import { startEngineWorker } from '../engine/worker.ts';
import { startImapPoller } from '../mail/imap.ts';
import { startInboundRetention } from '../mail/inbound-log.ts';
import { startMailWorker } from '../mail/mail-worker.ts';
import { startNotificationWorker } from '../mail/notification-worker.ts';
import { startInboundSmtp } from '../mail/smtp-listener.ts';
import { startWebhookWorker } from '../mail/webhooks.ts';
import type { Store } from '../store/db.ts';
import { acquireSchedulerLock } from '../store/scheduler-lock.ts';

export interface BackgroundWork {
  stop(): Promise<void>;
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
    running.push(startMailWorker({ store, clock, config, logger: logger.child({ part: 'mail' }), workerId }));
    // Replies from mailboxes with IMAP settings (the inbound MIME endpoint needs no poller).
    running.push(startImapPoller({ store, clock, config, logger: logger.child({ part: 'imap' }) }));
    // Overdue-step notifications and the email digest (src/mail/notification-worker.ts).
    running.push(
      startNotificationWorker({ store, clock, config, logger: logger.child({ part: 'notifications' }) }),
    );
    // Inbound messages are kept 30 days (Settings → Inbound mail), then swept.
    running.push(
      startInboundRetention({
        db: store.db,
        now: () => clock.now(),
        onError: (error) => logger.error({ err: error, part: 'inbound' }, 'inbound retention sweep failed'),
      }),
    );
    if (config.inboundSmtp.port !== undefined) {
      const smtpLog = logger.child({ part: 'inbound-smtp' });
      const listening = startInboundSmtp({ store, clock, config, logger: smtpLog }).then(
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
      startWebhookWorker({
        store,
        clock,
        config,
        workerId,
        pollMs: config.worker.pollMs,
        onError: (error) => webhookLog.error({ err: error }, 'webhook delivery failed'),
      }),
    );
  }
  if (parts.has('bulk')) {
    running.push(
      startBulkJobRunner({
        store,
        clock,
        workerId,
        leaseMs: config.worker.leaseMs,
        pollMs: config.worker.pollMs,
        onError: (error) => logger.error({ err: error, part: 'bulk' }, 'bulk job failed'),
      }),
    );
    // CSV imports (bulk jobs of kind `import`) resume at their cursor after a crash or restart.
    running.push(
      startImportJobRunner({
        store,
        clock,
        workerId,
        leaseMs: config.worker.leaseMs,
        pollMs: config.worker.pollMs,
        onError: (error) => logger.error({ err: error, part: 'bulk' }, 'import job failed'),
      }),
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
