import { suspectDue } from '../store/repos/engine-repo.ts';
import type { EngineDeps } from './engine-deps.ts';
import { countedBatch, processFreshBatch, processSuspect, settleUnfinishedBatches } from './process-tasks.ts';

/**
 * Several batches at once in one PostgreSQL worker process (WORKER_CONCURRENCY), without charging crashes to
 * tasks that did not cause them. A task's attempts count the batches it was in that never committed (a crash of
 * the process, see src/store/repos/engine/claims.ts), and 5 make it `dead`. Fresh tasks lose at most that one
 * attempt to a neighbour's crash and are then suspects, each tried alone (the leased path). A suspect must stay
 * as exposed as with one batch per process: while it is in flight nothing else is, so the only crash that counts
 * against it is one during its own batch, and a task that really kills its worker is still the one that ends
 * `dead` after 5 tries alone. Hence a gate: fresh batches share it, a suspect takes it alone, and a suspect
 * waiting for it keeps new fresh batches from starting (it waits for the ones in flight to commit).
 */
export class BatchGate {
  #shared = 0;
  #alone = false;
  #waitingAlone = 0;
  #waiters: (() => void)[] = [];

  /** Runs `step` beside other shared steps; waits while a step runs alone or waits to. */
  async shared<T>(step: () => Promise<T>): Promise<T> {
    while (this.#alone || this.#waitingAlone > 0) await this.#wait();
    this.#shared++;
    try {
      return await step();
    } finally {
      this.#shared--;
      this.#notify();
    }
  }

  /** Runs `step` with nothing else in the gate: waits for the shared steps in flight to end first. */
  async alone<T>(step: () => Promise<T>): Promise<T> {
    this.#waitingAlone++;
    try {
      while (this.#alone || this.#shared > 0) await this.#wait();
    } finally {
      this.#waitingAlone--;
    }
    this.#alone = true;
    try {
      return await step();
    } finally {
      this.#alone = false;
      this.#notify();
    }
  }

  /** Steps running now (tests). */
  get inFlight(): number {
    return this.#shared + (this.#alone ? 1 : 0);
  }

  #wait(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}

/**
 * One round of one of a worker's `loops` concurrent loops: count the attempts of batches that never committed,
 * then either a suspect alone (when one is due and free) or a fresh batch beside the other loops' fresh batches.
 * Each fresh batch takes its share of WORKER_BATCH_SIZE, so the process holds no more tasks in flight (and no
 * more memory) than with one batch. `stopped` is asked again once the gate lets the round in, so a stopping
 * worker starts nothing new.
 */
export function processDueBatchInGate(
  deps: EngineDeps,
  gate: BatchGate,
  loops: number,
  stopped: () => boolean,
): Promise<number> {
  const limit = Math.ceil(deps.config.worker.batchSize / loops);
  return countedBatch(async () => {
    const now = deps.clock.now();
    await settleUnfinishedBatches(deps, now);
    if (await suspectDue(deps.store.db, now)) {
      return gate.alone(async () => {
        if (stopped()) return 0;
        // Another worker may have taken it meanwhile: then a fresh batch, still alone (this round waited its turn).
        const suspects = await processSuspect(deps, deps.clock.now());
        return suspects > 0 ? suspects : processFreshBatch(deps, deps.clock.now(), limit);
      });
    }
    return gate.shared(async () => (stopped() ? 0 : processFreshBatch(deps, deps.clock.now(), limit)));
  });
}
