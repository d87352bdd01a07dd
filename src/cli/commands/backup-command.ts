import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Command, Option } from 'commander';
import { backupSqlite } from '../../store/backup.ts';
import { writeArchive } from '../../store/backup-archive.ts';
import { loadConfigOrExit, openMaintenanceStore } from '../runtime.ts';

export function registerBackupCommand(program: Command): void {
  program
    .command('backup <file>')
    .description(
      'Back up the database to <file> while Stepwise runs. SQLite: a copy made with the online backup API ' +
        '(default), or --format archive (the default for a name ending in .gz). PostgreSQL: a Stepwise archive (gzip JSON lines of every table, read ' +
        'in one snapshot), restorable with `stepwise restore` into SQLite or PostgreSQL (docs/operations.md)',
    )
    .addOption(
      new Option('--format <format>', 'sqlite (SQLite only) or archive').choices(['sqlite', 'archive']),
    )
    .action(async (file: string, options: { format?: 'sqlite' | 'archive' }) => {
      const config = loadConfigOrExit();
      const isSqlite = config.databaseUrl.startsWith('sqlite:');
      // A name ending in .gz asks for the (gzip) archive: `backup backups/before-upgrade-….jsonl.gz` on SQLite, as
      // the upgrade steps write it, must not give a SQLite file under an archive's name.
      const format = options.format ?? (isSqlite && !file.endsWith('.gz') ? 'sqlite' : 'archive');
      // `stepwise backup backups/stepwise-$(date +%F).db`, as the docs write it, works in a fresh checkout too.
      if (format === 'archive' || isSqlite) mkdirSync(dirname(file), { recursive: true });
      if (format === 'sqlite') {
        const result = await backupSqlite(config.databaseUrl, file);
        if (result.integrity !== 'ok')
          throw new Error(`The copy failed its integrity check: ${result.integrity}`);
        console.log(`Backed up ${result.pages} pages to ${result.file} (integrity ok).`);
        return;
      }
      const store = openMaintenanceStore(config);
      try {
        const summary = await writeArchive(store, file, new Date());
        console.log(
          `Archived ${summary.rows} rows of ${summary.tables} tables (schema ${summary.schema}) to ${summary.file}.`,
        );
      } finally {
        await store.close();
      }
    });
}
