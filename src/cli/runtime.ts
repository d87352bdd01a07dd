import pino from 'pino';
import { type Config, ConfigError, loadConfig } from '../config.ts';
import { openStore, type Store } from '../store/db.ts';
import { migrateToLatest } from '../store/migrate.ts';
import { installProcessGuards } from './process-guard.ts';

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
  const logger = pino({ level: config.logLevel });
  installProcessGuards(logger);
  const store = openStore(config.databaseUrl, {
    onConnectionError: (error) =>
      logger.warn({ err: error.message }, 'database connection lost; reconnecting'),
  });
  await migrateToLatest(store.db);
  return { config, store, logger };
}
