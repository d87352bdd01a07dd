import type pino from 'pino';
import { isDatabaseUnavailable } from '../store/db-errors.ts';

/**
 * Last-resort handlers for errors nobody caught. A database that went away (PostgreSQL restarting, a dropped
 * connection) is not fatal: the pool reconnects and every loop retries, so the process logs it and carries on.
 * Anything else that escapes as an uncaught exception leaves the process in an unknown state: it is logged and
 * the process exits with status 1, so a supervisor (systemd, Kubernetes, Docker) restarts it. An unhandled
 * promise rejection is logged and the process keeps running — unless it is one of those unknown errors raised
 * synchronously, which arrive as uncaught exceptions.
 */
export function installProcessGuards(logger: pino.Logger, exit: (code: number) => void = process.exit): void {
  if (guarded) return;
  guarded = true;
  process.on('unhandledRejection', (reason) => {
    if (isDatabaseUnavailable(reason)) {
      logger.warn({ err: reason }, 'database unavailable (unhandled rejection); carrying on');
      return;
    }
    logger.error({ err: reason }, 'unhandled promise rejection; carrying on');
  });
  process.on('uncaughtException', (error, origin) => {
    if (isDatabaseUnavailable(error)) {
      logger.warn({ err: error, origin }, 'database unavailable (uncaught); carrying on');
      return;
    }
    logger.fatal({ err: error, origin }, 'uncaught exception; exiting');
    logger.flush?.();
    exit(1);
  });
}

let guarded = false;
