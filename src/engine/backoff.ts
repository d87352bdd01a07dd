import type pino from 'pino';
import { isDatabaseUnavailable } from '../store/db-errors.ts';

/**
 * How a background loop rides out failures (the database restarting, a dropped connection): each failure in a
 * row doubles the pause before the next try, from the loop's poll interval up to `maxMs`; the first failure and
 * the recovery are logged, not every try in between.
 */
export class FailureBackoff {
  #failures = 0;
  constructor(
    private readonly name: string,
    private readonly logger: Pick<pino.Logger, 'warn' | 'error' | 'info'> | undefined,
    private readonly baseMs: number,
    private readonly maxMs = 5_000,
  ) {}

  get failures(): number {
    return this.#failures;
  }

  /** Records a failure; returns how long to wait before trying again. */
  failed(error: unknown): number {
    this.#failures++;
    const unavailable = isDatabaseUnavailable(error);
    const delay = Math.min(Math.max(this.baseMs, 100) * 2 ** Math.min(this.#failures - 1, 10), this.maxMs);
    if (this.#failures === 1 || this.#failures % 20 === 0) {
      const fields = { err: error, failures: this.#failures, retryInMs: delay };
      if (unavailable) this.logger?.warn(fields, `${this.name}: database unavailable; retrying`);
      else this.logger?.error(fields, `${this.name} failed; retrying`);
    }
    return Math.max(delay, this.baseMs);
  }

  /** Records a success; logs the recovery after failures. */
  succeeded(): void {
    if (this.#failures > 0) {
      this.logger?.info({ failures: this.#failures }, `${this.name}: working again`);
      this.#failures = 0;
    }
  }
}
