import pino from 'pino';
import { redactingLoggerOptions } from '../api/log-redaction.ts';
import { type Config, ConfigError, loadConfig } from '../config.ts';
import { openStore, type Store } from '../store/db.ts';
import { migrateToLatest } from '../store/migrate.ts';

/** Loads configuration (exiting with the variable's name on a bad value) and opens a migrated store. */
export async function openRuntime(): Promise<{ config: Config; store: Store; logger: pino.Logger }> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const logger = pino(redactingLoggerOptions(config.logLevel));
  const store = openStore(config.databaseUrl);
  await migrateToLatest(store.db);
  return { config, store, logger };
}
