import type { Command } from 'commander';
import { registerMigrateCommand } from './migrate-command.ts';
import { registerServeCommand } from './serve-command.ts';

/** Every `stepwise` sub-command; one line per command module. */
export function registerCommands(program: Command): void {
  registerServeCommand(program);
  registerMigrateCommand(program);
}
