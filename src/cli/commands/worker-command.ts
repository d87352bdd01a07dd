import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { type Command, InvalidArgumentError } from 'commander';
import { startEngineWorker } from '../../engine/worker.ts';
import { releaseExpiredLeases } from '../../store/repos/engine-repo.ts';
import { acquireSchedulerLock } from '../../store/scheduler-lock.ts';
import { startTracing } from '../../tracing/start-tracing.ts';
import { BACKGROUND_PARTS, type BackgroundPart, startBackgroundWork } from '../background.ts';
import { openRuntime } from '../runtime.ts';
import { exitOnSignal } from '../shutdown.ts';
import { clockOrExit, withTestClockOption } from '../test-clock-option.ts';

function parseParts(value: string): BackgroundPart[] {
  const parts = value.split(',').map((part) => part.trim());
  for (const part of parts) {
    if (!(BACKGROUND_PARTS as readonly string[]).includes(part)) {
      throw new InvalidArgumentError(`unknown part "${part}"; use ${BACKGROUND_PARTS.join(', ')}`);
    }
  }
  return parts as BackgroundPart[];
}

interface WorkerOptions {
  drain?: boolean;
  migrate: boolean;
  only?: BackgroundPart[];
  unsafeTestClock?: boolean;
}

export function registerWorkerCommand(program: Command): void {
  withTestClockOption(program.command('worker'))
    .description(
      'Run the background work without the HTTP server: the engine scheduler (due steps, waits, conditions, ' +
        'events), outbox delivery, webhooks and bulk jobs. Any number may run against one PostgreSQL database.',
    )
    .option('--only <parts>', `comma-separated subset of ${BACKGROUND_PARTS.join(', ')}`, parseParts)
    .option(
      '--no-migrate',
      'do not migrate on start; refuse to start if the schema is behind (run `stepwise migrate`)',
    )
    .option('--drain', 'apply every engine task due now, then exit')
    .action(async (options: WorkerOptions) => {
      const { clock, test } = clockOrExit(options.unsafeTestClock);
      const { config, store, logger } = await openRuntime({ migrate: options.migrate });
      if (test) logger.warn({ now: new Date(clock.now()).toISOString() }, 'test clock in use');
      // A stable id (STEPWISE_WORKER_ID) lets a restarted worker take back its dead predecessor's leases at once.
      const stableId = process.env.STEPWISE_WORKER_ID;
      const workerId = stableId ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
      if (stableId) await releaseExpiredLeases(store.db, clock.now(), stableId);
      if (options.drain) {
        const lock = acquireSchedulerLock(store.url);
        try {
          const worker = startEngineWorker({ store, clock, logger, config, workerId }, { loop: false });
          const processed = await worker.drain();
          logger.info({ processed }, 'engine drained');
          await worker.stop();
        } finally {
          lock.release();
          await store.close();
        }
        return;
      }
      const tracing = await startTracing(config.tracing, 'worker', logger);
      const background = startBackgroundWork({ store, config, clock, logger, workerId, parts: options.only });
      logger.info({ workerId, dialect: store.dialect }, 'engine worker started');
      exitOnSignal({
        logger,
        timeoutMs: config.shutdownTimeoutMs,
        async stop() {
          const startedAt = Date.now();
          await background.stop();
          await store.close();
          // The spans of the last batches, within what is left of the deadline.
          await tracing?.stop(config.shutdownTimeoutMs - (Date.now() - startedAt) - 500);
        },
      });
    });
}
