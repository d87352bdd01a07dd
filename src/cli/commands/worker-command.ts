import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { type Clock, systemClock } from '../../engine/clock.ts';
import { startEngineWorker } from '../../engine/worker.ts';
import { releaseExpiredLeases } from '../../store/repos/engine-repo.ts';
import { openRuntime } from '../runtime.ts';

/**
 * For tests and demos: `STEPWISE_FAKE_NOW` (epoch ms or ISO date) starts the worker's clock at that moment; it
 * then runs at real speed, so leases still expire.
 */
function clockFromEnv(env: NodeJS.ProcessEnv): Clock {
  const raw = env.STEPWISE_FAKE_NOW;
  if (!raw) return systemClock;
  const start = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(start)) throw new Error(`STEPWISE_FAKE_NOW is not a time: ${raw}`);
  const realStart = Date.now();
  return { now: () => start + (Date.now() - realStart) };
}

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description(
      'Run the engine scheduler: apply due steps, waits, conditions and events (any number on PostgreSQL)',
    )
    .option('--drain', 'process everything due now, then exit')
    .action(async (options: { drain?: boolean }) => {
      const { config, store, logger } = await openRuntime();
      const clock = clockFromEnv(process.env);
      // A stable id (STEPWISE_WORKER_ID) lets a restarted worker take back its dead predecessor's leases at once.
      const stableId = process.env.STEPWISE_WORKER_ID;
      const workerId = stableId ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
      if (stableId) await releaseExpiredLeases(store.db, clock.now(), stableId);
      const worker = startEngineWorker({ store, clock, logger, config, workerId }, { loop: !options.drain });
      if (options.drain) {
        const processed = await worker.drain();
        logger.info({ processed }, 'engine drained');
        await worker.stop();
        await store.close();
        return;
      }
      logger.info({ workerId, dialect: store.dialect }, 'engine worker started');
      const shutdown = async () => {
        await worker.stop();
        await store.close();
        process.exit(0);
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    });
}
