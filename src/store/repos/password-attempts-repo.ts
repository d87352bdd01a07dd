import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

export interface PasswordAttemptCount {
  /** Attempts in the current window, this one included. */
  failures: number;
  windowStart: number;
}

/**
 * Counts one current-password check for a user before it is made, atomically (one upsert), so concurrent
 * requests in any number of processes cannot slip past the limit. A window older than `windowMs` starts over.
 */
export async function claimPasswordAttempt(
  db: Kysely<Database>,
  orgId: string,
  userId: string,
  now: number,
  windowMs: number,
): Promise<PasswordAttemptCount> {
  const expired = now - windowMs;
  const row = await db
    .insertInto('password_attempts')
    .values({ org_id: orgId, user_id: userId, failures: 1, window_start: now })
    .onConflict((oc) =>
      oc.columns(['org_id', 'user_id']).doUpdateSet((eb) => ({
        failures: eb
          .case()
          .when('password_attempts.window_start', '<=', expired)
          .then(1)
          .else(eb('password_attempts.failures', '+', 1))
          .end(),
        window_start: eb
          .case()
          .when('password_attempts.window_start', '<=', expired)
          .then(now)
          .else(eb.ref('password_attempts.window_start'))
          .end(),
      })),
    )
    .returning(['failures', 'window_start'])
    .executeTakeFirstOrThrow();
  return { failures: Number(row.failures), windowStart: Number(row.window_start) };
}

/** Forgets a user's counted attempts (after the right password was given). */
export async function clearPasswordAttempts(
  db: Kysely<Database>,
  orgId: string,
  userId: string,
): Promise<void> {
  await db
    .deleteFrom('password_attempts')
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .execute();
}
