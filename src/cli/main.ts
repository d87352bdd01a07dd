import { Command } from 'commander';
import { DEFAULT_DATABASE_URL } from '../store/default-database-url.ts';
import { registerCommands } from './commands/index.ts';
import { databaseProblem } from './database-problem.ts';

const program = new Command()
  .name('stepwise')
  .description('Stepwise: self-hosted sales engagement (sequences, work list, Up next).')
  .showHelpAfterError();

await registerCommands(program, process.argv.slice(2));

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const databaseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  console.error(
    databaseProblem(error, databaseUrl) ?? (error instanceof Error ? error.message : String(error)),
  );
  // A command that failed after opening servers or pools (e.g. serve refused the scheduler lock) must still end.
  process.exit(1);
}
