import type { Command } from 'commander';
import { registerConnectCommand } from './connect-command.ts';
import { registerImportCommand } from './import-command.ts';
import { registerMigrateCommand } from './migrate-command.ts';
import { registerOrgCommand } from './org-command.ts';
import { registerSeedCommand } from './seed-command.ts';
import { registerSequenceCommand } from './sequence-command.ts';
import { registerServeCommand } from './serve-command.ts';
import { registerSuppressionCommand } from './suppression-command.ts';
import { registerUserCommand } from './user-command.ts';
import { registerWorkerCommand } from './worker-command.ts';

/** Every `stepwise` sub-command; one line per command module. */
export function registerCommands(program: Command): void {
  registerServeCommand(program);
  registerMigrateCommand(program);
  registerImportCommand(program);
  registerSeedCommand(program);
  registerOrgCommand(program);
  registerUserCommand(program);
  registerWorkerCommand(program);
  registerSequenceCommand(program);
  registerConnectCommand(program);
  registerSuppressionCommand(program);
}
