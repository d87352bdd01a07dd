import type { Clock } from '../engine/clock.ts';
import type { Store } from '../store/db.ts';
import type { OutboundRow } from '../store/repos/mail-repo.ts';
import { renewLeases } from '../store/repos/outbox-sending.ts';

/**
 * Keeps this worker's lease on the messages it claimed for as long as it works on them (preparing, then SMTP on
 * a slow relay), renewing every third of the lease. Another worker can take a message over only when this one has
 * stopped renewing — it died or lost the database — and then this worker sees it as lost and does not send it.
 */
export class LeaseKeeper {
  private readonly pending = new Map<string, Pick<OutboundRow, 'org_id' | 'id'>>();
  private readonly lostIds = new Set<string>();
  private readonly timer: NodeJS.Timeout;
  private renewing: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: { store: Store; clock: Clock; owner: string; leaseMs: number },
    rows: OutboundRow[],
  ) {
    for (const row of rows) this.pending.set(row.id, { org_id: row.org_id, id: row.id });
    this.timer = setInterval(() => this.renew(), Math.max(100, Math.floor(deps.leaseMs / 3)));
  }

  private renew(): void {
    this.renewing = this.renewing.then(async () => {
      const keys = [...this.pending.values()];
      if (keys.length === 0) return;
      try {
        const { store, clock, owner, leaseMs } = this.deps;
        const held = await renewLeases(store.db, keys, owner, clock.now() + leaseMs);
        for (const key of keys) if (!held.has(key.id)) this.lostIds.add(key.id);
      } catch {
        // Database unreachable: keep going; `sent` is written only under a lease this worker still holds.
      }
    });
  }

  /** False once another worker has taken the message over (or it was released by a hold). */
  holds(id: string): boolean {
    return this.pending.has(id) && !this.lostIds.has(id);
  }

  /** Done with the message (sent, failed, retried or held): stop renewing it. */
  release(id: string): void {
    this.pending.delete(id);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.renewing;
  }
}
