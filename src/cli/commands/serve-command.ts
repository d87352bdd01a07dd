import type { Command } from 'commander';
import { buildApp } from '../../api/app.ts';
import { startTracing } from '../../tracing/start-tracing.ts';
import { type BackgroundWork, startBackgroundWork } from '../background.ts';
import { openRuntime } from '../runtime.ts';
import { formatCredentials, seedDemo } from '../seed/seed-demo.ts';
import { exitOnSignal } from '../shutdown.ts';
import { clockOrExit, withTestClockOption } from '../test-clock-option.ts';

export function registerServeCommand(program: Command): void {
  withTestClockOption(program.command('serve'))
    .description('Serve the API and the web UI, and run the scheduler in the same process')
    .option('--no-worker', 'leave the scheduler out (run `stepwise worker` processes instead)')
    .option(
      '--no-migrate',
      'do not migrate on start; refuse to start if the schema is behind (run `stepwise migrate`)',
    )
    .option('--seed-if-empty', 'load the demo organisation when the database has none')
    .action(
      async (options: {
        worker: boolean;
        migrate: boolean;
        seedIfEmpty?: boolean;
        unsafeTestClock?: boolean;
      }) => {
        const { clock, test } = clockOrExit(options.unsafeTestClock);
        const { config, store, logger } = await openRuntime({ migrate: options.migrate });
        if (test) logger.warn({ now: new Date(clock.now()).toISOString() }, 'test clock in use');
        if (options.seedIfEmpty) {
          const seeded = await seedDemo({ store, clock });
          if (seeded.seeded) console.log(formatCredentials(seeded));
        }
        // Before the app: its request hooks are added only when traces are on.
        const tracing = await startTracing(config.tracing, 'serve', logger);
        const app = await buildApp({ store, config, clock });
        // The demo organisation's admin password is published in the README: with demo data, stay on this
        // machine unless HOST says otherwise.
        const host = options.seedIfEmpty && !process.env.HOST ? '127.0.0.1' : config.host;
        await app.listen({ port: config.port, host });
        logger.info({ url: config.publicUrl, host, worker: options.worker }, 'Stepwise is serving');
        const background: BackgroundWork | null = options.worker
          ? startBackgroundWork({ store, config, clock, logger })
          : null;
        exitOnSignal({
          logger,
          timeoutMs: config.shutdownTimeoutMs,
          async stop() {
            const startedAt = Date.now();
            // Requests in flight finish while the loops end their batches.
            await Promise.all([app.close(), background?.stop()]);
            await store.close();
            // The spans of that last work, within what is left of the deadline.
            await tracing?.stop(config.shutdownTimeoutMs - (Date.now() - startedAt) - 500);
          },
        });
      },
    );
}
