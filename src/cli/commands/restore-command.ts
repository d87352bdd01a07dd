import type { Command } from 'commander';
import { backupKind, restoreSqliteCopy, sqliteCopyMigrations } from '../../store/backup.ts';
import { restoreArchive } from '../../store/backup-archive.ts';
import { knownMigrations, migrateToLatest } from '../../store/migrate.ts';
import { loadConfigOrExit, openMaintenanceStore } from '../runtime.ts';

export function registerRestoreCommand(program: Command): void {
  program
    .command('restore <file>')
    .description(
      'Restore a backup made by `stepwise backup` into the empty database of DATABASE_URL (stop Stepwise ' +
        'first), then bring its schema up to date. A SQLite copy restores into a new SQLite file; an archive ' +
        'into an empty SQLite or PostgreSQL database. Refuses backups made by a newer Stepwise.',
    )
    .action(async (file: string) => {
      const config = loadConfigOrExit();
      if (backupKind(file) === 'sqlite') {
        const known = knownMigrations();
        const newer = sqliteCopyMigrations(file).filter((name) => !known.includes(name));
        if (newer.length > 0) {
          throw new Error(
            `The backup's schema is newer than this Stepwise (${newer.join(', ')}); restore it with a newer version`,
          );
        }
        const result = await restoreSqliteCopy(file, config.databaseUrl);
        if (result.integrity !== 'ok')
          throw new Error(`The restored copy failed its integrity check: ${result.integrity}`);
        const store = openMaintenanceStore(config);
        try {
          await migrateToLatest(store.db);
        } finally {
          await store.close();
        }
        console.log(`Restored ${result.pages} pages into ${result.file} (integrity ok, schema up to date).`);
        return;
      }
      const store = openMaintenanceStore(config);
      try {
        const summary = await restoreArchive(store, file);
        console.log(
          `Restored ${summary.rows} rows of ${summary.tables} tables (archive schema ${summary.schema}); schema up to date.`,
        );
      } finally {
        await store.close();
      }
    });
}
