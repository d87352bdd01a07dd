import type { Command } from 'commander';
import { migrateToLatest } from '../../store/migrate.ts';
import { loadConfigOrExit, openMaintenanceStore } from '../runtime.ts';

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description(
      'Bring the database schema up to date (serve and worker also do it on start, unless --no-migrate)',
    )
    .action(async () => {
      const config = loadConfigOrExit();
      const store = openMaintenanceStore(config);
      try {
        const result = await migrateToLatest(store.db);
        const applied =
          result.results?.filter((r) => r.status === 'Success').map((r) => r.migrationName) ?? [];
        console.log(applied.length > 0 ? `Applied: ${applied.join(', ')}` : 'Schema already up to date.');
      } finally {
        await store.close();
      }
    });
}
