import { Command } from 'commander';
import { registerCommands } from './commands/index.ts';

const program = new Command()
  .name('stepwise')
  .description('Stepwise: self-hosted sales engagement (sequences, work list, Up next).')
  .showHelpAfterError();

registerCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
}
