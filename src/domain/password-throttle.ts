/**
 * Guessing the current password (to change it from a stolen session or token) is limited per user:
 * at most MAX_PASSWORD_ATTEMPTS checks per fixed window; a right answer clears the count.
 */
export const MAX_PASSWORD_ATTEMPTS = 5;
export const PASSWORD_ATTEMPT_WINDOW_MS = 15 * 60_000;

export type ThrottleVerdict = { allowed: true } | { allowed: false; retryAfterMs: number };

/** Whether the attempt just counted (`failures` includes it) may be checked. */
export function passwordAttemptVerdict(
  attempt: { failures: number; windowStart: number },
  now: number,
): ThrottleVerdict {
  if (attempt.failures <= MAX_PASSWORD_ATTEMPTS) return { allowed: true };
  return {
    allowed: false,
    retryAfterMs: Math.max(0, attempt.windowStart + PASSWORD_ATTEMPT_WINDOW_MS - now),
  };
}
