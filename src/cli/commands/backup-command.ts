import type { Command } from 'commander';
import { loadConfig } from '../../config.ts';
import { backupSqlite } from '../../store/backup.ts';

export function registerBackupCommand(program: Command): void {
  program
    .command('backup <file>')
    .description(
      'Copy the SQLite database to <file> while Stepwise runs (online backup API) and check the copy; ' +
        'for PostgreSQL use pg_dump (docs/operations.md)',
    )
    .action(async (file: string) => {
      const config = loadConfig();
      const result = await backupSqlite(config.databaseUrl, file);
      if (result.integrity !== 'ok')
        throw new Error(`The copy failed its integrity check: ${result.integrity}`);
      console.log(`Backed up ${result.pages} pages to ${result.file} (integrity ok).`);
    });
}
