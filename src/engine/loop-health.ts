/**
 * Heartbeats of this process's background loops, for `/api/ready`: each loop beats once per round (a batch, or a
 * poll that found nothing); a loop whose last beat is older than `LOOP_STALE_MS` is stuck (a hung query, an SMTP
 * exchange that never ends). A stopped loop is forgotten. Wall-clock time on purpose: the test clock may stand still.
 */
const beats = new Map<string, number>();

/** Longer than any sane round: a poll pause is at most 60 s, and a batch in hand renews its leases meanwhile. */
export const LOOP_STALE_MS = 5 * 60_000;

export function loopBeat(part: string, at: number = Date.now()): void {
  beats.set(part, at);
}

export function loopStopped(part: string): void {
  beats.delete(part);
}

/** The loops of this process that have not beaten for longer than `maxAgeMs`, by name. */
export function staleLoops(now: number = Date.now(), maxAgeMs: number = LOOP_STALE_MS): string[] {
  return [...beats].filter(([, at]) => now - at > maxAgeMs).map(([part]) => part);
}
