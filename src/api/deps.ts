import type { DestinationStream } from 'pino';
import type { Config } from '../config.ts';
import type { Clock } from '../engine/clock.ts';
import type { Store } from '../store/db.ts';

/** What every route module receives: storage, configuration and time. */
export interface AppDeps {
  store: Store;
  config: Config;
  clock: Clock;
  /** Where the HTTP logs go (default stdout); tests capture them here. */
  logStream?: DestinationStream;
}
