import type { Config } from '../config.ts';
import type { Store } from '../store/db.ts';
import type { Clock } from './clock.ts';

/** The few log methods the engine uses (pino's logger satisfies it). */
export interface EngineLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: EngineLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** What applying events needs: storage and time (API routes pass their own deps, which fit). */
export interface EngineCore {
  store: Store;
  clock: Clock;
  /** Domain part of the deterministic Message-IDs of queued emails; default `stepwise.local`. */
  messageIdDomain?: string;
}

/** What a worker needs. */
export interface EngineDeps extends EngineCore {
  logger: EngineLogger;
  config: { worker: Config['worker'] };
  /** Unique per worker process; written into `lease_owner`. */
  workerId: string;
}
