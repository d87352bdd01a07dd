import pino from 'pino';
import { redactingLoggerOptions } from '../api/log-redaction.ts';
import { type Config, ConfigError, loadConfig } from '../config.ts';
import { openStore, type Store, type StoreOptions } from '../store/db.ts';
import { isDatabaseUnavailable } from '../store/db-errors.ts';
import { migrateToLatest, pendingMigrations } from '../store/migrate.ts';
import { installProcessGuards } from './process-guard.ts';

/**
 * Loads configuration (exiting with the variable's name on a bad value) and opens a migrated store. With
 * `migrate: false` (`--no-migrate`, for rolling upgrades after one `stepwise migrate`) it only checks that the
 * schema is current and exits with status 2 when it is not.
 */
export async function openRuntime(
  options: { migrate?: boolean } = {},
): Promise<{ config: Config; store: Store; logger: pino.Logger }> {
  const config = loadConfigOrExit();
  const logger = pino(redactingLoggerOptions(config.logLevel));
  installProcessGuards(logger);
  const store = openStore(config.databaseUrl, {
    ...storeOptionsOf(config),
    onConnectionError: (error) =>
      logger.warn({ err: error.message }, 'database connection lost; reconnecting'),
  });
  if (options.migrate === false) {
    const pending = await pendingMigrations(store.db);
    if (pending.length > 0) {
      console.error(
        `The database schema is behind this version (${pending.join(', ')}): run \`stepwise migrate\` first.`,
      );
      await store.close();
      process.exit(2);
    }
  } else {
    await migrateWhenReachable(store, logger);
  }
  return { config, store, logger };
}

/** The configuration, or exit with status 2 and the message naming the bad variable (every command alike). */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
}

/**
 * The store of a one-off maintenance command (migrate, backup, restore): the connection settings of the
 * environment (DATABASE_SSL_CA_FILE above all: the password and every row travel over this connection) but no
 * statement timeout, which a long migration or a large table must not run into.
 */
export function openMaintenanceStore(config: Config): Store {
  return openStore(config.databaseUrl, { ...storeOptionsOf(config), statementTimeoutMs: 0 });
}

/** The pool settings of DATABASE_POOL_SIZE, DATABASE_STATEMENT_TIMEOUT_MS, DATABASE_IDLE_TIMEOUT_MS, …_SSL_CA_FILE. */
export function storeOptionsOf(config: Config): StoreOptions {
  const { poolSize, statementTimeoutMs, idleTimeoutMs, sslCa } = config.database;
  return { poolSize, statementTimeoutMs, idleTimeoutMs, ...(sslCa ? { sslCa } : {}) };
}

/** How long a starting process waits for an unreachable database before giving up (exit status 1). */
const STARTUP_WAIT_MS = 120_000;

/**
 * Migrates, waiting for the database first when it cannot be reached yet (PostgreSQL still starting, or
 * restarting while a supervisor restarts us): a process started during an outage comes up when it ends.
 */
async function migrateWhenReachable(store: Store, logger: pino.Logger): Promise<void> {
  const giveUpAt = Date.now() + STARTUP_WAIT_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      await migrateToLatest(store.db);
      return;
    } catch (error) {
      if (!isDatabaseUnavailable(error) || Date.now() > giveUpAt) throw error;
      const delay = Math.min(250 * 2 ** attempt, 5_000);
      if (attempt === 1) logger.warn({ err: String(error) }, 'database unavailable at start; waiting for it');
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
