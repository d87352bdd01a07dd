import { describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config.ts';
import { unsubscribeUrl } from '../../src/mail/tracking.ts';
import { queueEmail, seedSequence } from '../mail/mail-fixtures.ts';
import { dialects } from '../support/databases.ts';
import { createWorld, ORG_ID, PASSWORD, USERS } from '../support/world.ts';

/**
 * The unsubscribe page and the sign-in form are public forms with their own protection (a signed unsubscribe
 * token; the pre-session login token). Neither acts as the signed-in user, so a browser that also holds a Stepwise
 * session — a seller who clicks "Unsubscribe" in a test email sent to themselves, or signs in as someone else —
 * must not be refused with `403 csrf_failed` for lacking the header only the app's own pages send.
 */
describe.each(dialects)('public forms in a signed-in browser on %s', (dialect) => {
  it('the unsubscribe page’s button unsubscribes, also when the browser is signed in', async () => {
    const world = await createWorld(dialect);
    try {
      const scenario = await seedSequence(world.store, world.clock.now());
      const email = await queueEmail(world.store, scenario, world.clock.now(), {
        email: 'ada@customer.test',
      });
      const url = new URL(
        unsubscribeUrl('http://x', testConfig().secretKey, { orgId: ORG_ID, messageId: email.outboundId }),
      ).pathname;
      const { cookie } = await world.session('eastSeller');
      const done = await world.app.inject({
        method: 'POST',
        url,
        payload: 'confirm=yes',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(done.statusCode, done.body).toBe(200);
      expect(done.body).toContain('You are unsubscribed');
      const suppressed = await world.store.db
        .selectFrom('suppressions')
        .select('address')
        .where('org_id', '=', ORG_ID)
        .execute();
      expect(suppressed.map((row) => row.address)).toEqual(['ada@customer.test']);
    } finally {
      await world.close();
    }
  });

  it('signing in as someone else from a signed-in browser starts their session', async () => {
    const world = await createWorld(dialect);
    try {
      const { cookie } = await world.session('eastSeller');
      const pre = await world.app.inject({
        method: 'GET',
        url: '/api/auth/login-token',
        headers: { cookie },
      });
      const { loginToken } = pre.json() as { loginToken: string };
      const login = await world.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: USERS.westSeller.email, password: PASSWORD },
        headers: { cookie: `${cookie}; sw_login=${loginToken}`, 'x-login-token': loginToken },
      });
      expect(login.statusCode, login.body).toBe(200);
      expect(login.json()).toMatchObject({ userId: USERS.westSeller.id });
      // Still needed without the pre-session token, signed in or not (login CSRF).
      const forged = await world.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: USERS.westSeller.email, password: PASSWORD },
        headers: { cookie },
      });
      expect(forged.statusCode).toBe(403);
      expect(forged.json().code).toBe('login_csrf_failed');
      // Every other change still needs the CSRF header with a session cookie.
      const write = await world.app.inject({
        method: 'POST',
        url: '/api/auth/logout',
        headers: { cookie },
      });
      expect(write.json().code).toBe('csrf_failed');
    } finally {
      await world.close();
    }
  });
});
