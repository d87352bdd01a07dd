import type { Clock } from '../engine/clock.ts';
import { databaseNow } from '../store/database-clock.ts';
import type { Store } from '../store/db.ts';

/**
 * Delivery leases are compared against each worker's own clock: a worker whose clock is ahead of the others by
 * more than the lease sees their emails on the wire as abandoned and sends them again (and one behind makes its
 * own look abandoned). So before it claims, a PostgreSQL worker compares its clock with the database server's,
 * the one clock every worker shares; off by more than a quarter of the lease (two workers then differ by less
 * than half a lease, while a renewed lease always has two thirds left) it claims no email and says why, until
 * its clock agrees again. Measured at most every 10 s, the round trip allowed for.
 */
const EVERY_MS = 10_000;
const LOG_EVERY_MS = 60_000;

export interface ClockCheckDeps {
  store: Store;
  clock: Clock;
  leaseMs: number;
  logger?: { error(obj: object, msg?: string): void } | undefined;
}

export class ClockCheck {
  private checkedAt = Number.NEGATIVE_INFINITY;
  private loggedAt = Number.NEGATIVE_INFINITY;
  private offsetMs = 0;
  constructor(private readonly deps: ClockCheckDeps) {}

  static of(deps: Omit<ClockCheckDeps, 'leaseMs'> & { config: { worker: { leaseMs: number } } }): ClockCheck {
    return new ClockCheck({ ...deps, leaseMs: deps.config.worker.leaseMs });
  }

  /** How far this worker's clock is off the database's (positive: ahead), as last measured beyond the slack. */
  get offset(): number {
    return this.offsetMs;
  }

  /** True when this worker's clock agrees with the database's closely enough to claim email. */
  async agrees(): Promise<boolean> {
    const { clock, leaseMs, logger } = this.deps;
    const before = clock.now();
    if (before - this.checkedAt >= EVERY_MS || before < this.checkedAt) {
      const server = await databaseNow(this.deps.store);
      const after = clock.now();
      this.checkedAt = after;
      if (server === null) this.offsetMs = 0;
      else {
        const raw = (before + after) / 2 - server;
        const slack = (after - before) / 2;
        this.offsetMs = Math.abs(raw) <= slack ? 0 : raw - Math.sign(raw) * slack;
      }
    }
    const agrees = Math.abs(this.offsetMs) <= leaseMs / 4;
    if (!agrees && (before - this.loggedAt >= LOG_EVERY_MS || before < this.loggedAt)) {
      this.loggedAt = before;
      const seconds = Math.round(Math.abs(this.offsetMs) / 1000);
      logger?.error(
        { clockOffsetMs: Math.round(this.offsetMs) },
        `this machine's clock is ${seconds} s ${this.offsetMs > 0 ? 'ahead of' : 'behind'} the database server's: ` +
          'email delivery waits on this worker until it agrees (synchronise the clock, e.g. with NTP); ' +
          'workers whose clocks disagree by more than WORKER_LEASE_MS would send emails twice',
      );
    }
    return agrees;
  }
}
