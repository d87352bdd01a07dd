import { describe, expect, it } from 'vitest';
import { dialects, freshStore } from '../../../test/support/databases.ts';
import { claimPasswordAttempt, clearPasswordAttempts } from './password-attempts-repo.ts';

const WINDOW = 15 * 60_000;

describe.each(dialects)('password attempts on %s', (dialect) => {
  it('counts concurrent claims exactly once each, per user, and starts over after the window', async () => {
    const store = await freshStore(dialect);
    try {
      const now = 1_800_000_000_000;
      const claims = await Promise.all(
        Array.from({ length: 12 }, () => claimPasswordAttempt(store.db, 'o1', 'u1', now, WINDOW)),
      );
      // Every parallel claim got its own number: none can be checked as "the first".
      expect(claims.map((c) => c.failures).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 12 }, (_, i) => i + 1),
      );
      expect(claims.every((c) => c.windowStart === now)).toBe(true);
      expect(await claimPasswordAttempt(store.db, 'o1', 'u2', now, WINDOW)).toEqual({
        failures: 1,
        windowStart: now,
      });

      // Inside the window the count goes on, keeping its start; at its end it starts over.
      expect(await claimPasswordAttempt(store.db, 'o1', 'u1', now + WINDOW - 1, WINDOW)).toEqual({
        failures: 13,
        windowStart: now,
      });
      expect(await claimPasswordAttempt(store.db, 'o1', 'u1', now + WINDOW, WINDOW)).toEqual({
        failures: 1,
        windowStart: now + WINDOW,
      });

      await clearPasswordAttempts(store.db, 'o1', 'u1');
      const left = await store.db.selectFrom('password_attempts').select('user_id').execute();
      expect(left).toEqual([{ user_id: 'u2' }]);
    } finally {
      await store.close();
    }
  });
});
