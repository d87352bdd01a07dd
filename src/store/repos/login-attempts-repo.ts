import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

export interface LoginAttemptCount {
  /** Attempts in the current window, this one included. */
  attempts: number;
  windowStart: number;
}

/**
 * Counts one sign-in attempt for a key (account + client address) before the password is checked, atomically
 * (one upsert), so processes behind one load balancer add up to one limit. A window older than `windowMs`
 * starts over.
 */
export async function claimLoginAttempt(
  db: Kysely<Database>,
  key: string,
  now: number,
  windowMs: number,
): Promise<LoginAttemptCount> {
  const expired = now - windowMs;
  const row = await db
    .insertInto('login_attempts')
    .values({ key, attempts: 1, window_start: now })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet((eb) => ({
        attempts: eb
          .case()
          .when('login_attempts.window_start', '<=', expired)
          .then(1)
          .else(eb('login_attempts.attempts', '+', 1))
          .end(),
        window_start: eb
          .case()
          .when('login_attempts.window_start', '<=', expired)
          .then(now)
          .else(eb.ref('login_attempts.window_start'))
          .end(),
      })),
    )
    .returning(['attempts', 'window_start'])
    .executeTakeFirstOrThrow();
  return { attempts: Number(row.attempts), windowStart: Number(row.window_start) };
}

/** Forgets a key's attempts (after a successful sign-in), and windows that ended long ago. */
export async function clearLoginAttempts(
  db: Kysely<Database>,
  key: string,
  now: number,
  windowMs: number,
): Promise<void> {
  await db.deleteFrom('login_attempts').where('key', '=', key).execute();
  await db
    .deleteFrom('login_attempts')
    .where('window_start', '<', now - 2 * windowMs)
    .execute();
}
