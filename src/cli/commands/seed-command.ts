import type { Command } from 'commander';
import { systemClock } from '../../engine/clock.ts';
import { openRuntime } from '../runtime.ts';
import { formatCredentials, seedDemo } from '../seed/seed-demo.ts';

export function registerSeedCommand(program: Command): void {
  program
    .command('seed')
    .description('Load the demo organisation "Northwind Demo" (only into an empty database; safe to repeat)')
    .addHelpText(
      'after',
      '\nCreates business units East (with East Enterprise) and West, a user of every role with a known demo\n' +
        'password (printed once), 500 records, custom fields, org settings and the built-in email templates.\n',
    )
    .action(async () => {
      const { store } = await openRuntime();
      try {
        const result = await seedDemo({ store, clock: systemClock });
        console.log(result.seeded ? formatCredentials(result) : `Nothing loaded: ${result.reason}`);
      } finally {
        await store.close();
      }
    });
}
