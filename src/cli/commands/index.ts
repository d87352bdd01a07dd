import type { Command } from 'commander';

export interface CommandEntry {
  name: string;
  /** One line for `stepwise --help` (the command's own module has the full description and options). */
  summary: string;
  /** Loads the command's module (and with it only the libraries it needs) and registers it. */
  load(): Promise<(program: Command) => void>;
}

/**
 * Every `stepwise` sub-command; one line per command module. Modules load on demand, so `stepwise --help` and
 * one-off commands start without loading the HTTP server, mail and engine libraries they do not use.
 */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'serve',
    summary: 'Serve the API and the web UI, and run the scheduler in the same process',
    load: async () => (await import('./serve-command.ts')).registerServeCommand,
  },
  {
    name: 'migrate',
    summary: 'Bring the database schema up to date',
    load: async () => (await import('./migrate-command.ts')).registerMigrateCommand,
  },
  {
    name: 'backup',
    summary: 'Back up the database to a file while Stepwise runs (SQLite copy or portable archive)',
    load: async () => (await import('./backup-command.ts')).registerBackupCommand,
  },
  {
    name: 'restore',
    summary: 'Restore a backup (SQLite copy or archive) into an empty database',
    load: async () => (await import('./restore-command.ts')).registerRestoreCommand,
  },
  {
    name: 'import',
    summary: 'Import records from a CSV file',
    load: async () => (await import('./import-command.ts')).registerImportCommand,
  },
  {
    name: 'seed',
    summary: 'Load the demo organisation "Northwind Demo" into an empty database',
    load: async () => (await import('./seed-command.ts')).registerSeedCommand,
  },
  {
    name: 'org',
    summary: 'Organisations',
    load: async () => (await import('./org-command.ts')).registerOrgCommand,
  },
  {
    name: 'user',
    summary: 'Users of an organisation',
    load: async () => (await import('./user-command.ts')).registerUserCommand,
  },
  {
    name: 'worker',
    summary: 'Run the background work (engine, outbox delivery, webhooks, bulk jobs) without the HTTP server',
    load: async () => (await import('./worker-command.ts')).registerWorkerCommand,
  },
  {
    name: 'sequence',
    summary: 'Export and import sequences as JSON documents',
    load: async () => (await import('./sequence-command.ts')).registerSequenceCommand,
  },
  {
    name: 'connect',
    summary: 'Connect records to an active sequence in bulk',
    load: async () => (await import('./connect-command.ts')).registerConnectCommand,
  },
  {
    name: 'suppression',
    summary: "The organisation's suppression list (list, export, remove)",
    load: async () => (await import('./suppression-command.ts')).registerSuppressionCommand,
  },
];

/**
 * Registers the command named in `argv` (`stepwise <name> …` or `stepwise help <name>`) in full, and every other
 * one as a name with its summary (enough for the help listing and for commander's "unknown command" message).
 */
export async function registerCommands(program: Command, argv: readonly string[]): Promise<void> {
  const named = argv[0] === 'help' ? argv[1] : argv[0];
  for (const entry of COMMANDS) {
    if (entry.name === named) (await entry.load())(program);
    else program.command(entry.name).summary(entry.summary).description(entry.summary);
  }
}

/** Every command in full (tests that walk the whole CLI). */
export async function registerAllCommands(program: Command): Promise<void> {
  for (const entry of COMMANDS) (await entry.load())(program);
}
