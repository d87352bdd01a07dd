import { describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.ts';
import { createWorld, USERS } from '../support/world.ts';

const paths = (body: { problems?: { path: (string | number)[] }[] }) =>
  (body.problems ?? []).map((p) => p.path.join('.'));

describe.each(dialects)('API tokens and profile on %s', (dialect) => {
  it('creates a token shown once, lists without secrets, revokes it; the token acts as its user', async () => {
    const world = await createWorld(dialect);
    try {
      const created = await world.as('eastSeller', 'POST', '/api/tokens', { name: 'CRM sync' });
      expect(created.statusCode).toBe(201);
      const { id, token } = created.json() as { id: string; token: string };
      expect(token).toMatch(/^swt_[A-Za-z0-9_-]{40,}$/);
      const stored = await world.store.db.selectFrom('api_tokens').selectAll().where('id', '=', id).execute();
      expect(stored[0]!.token_hash).not.toContain(token);

      const bearer = (method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>) =>
        world.app.inject({
          method,
          url,
          headers: { authorization: `Bearer ${token}` },
          ...(payload ? { payload } : {}),
        });
      const me = await bearer('GET', '/api/me');
      expect(me.statusCode).toBe(200);
      expect(me.json()).toMatchObject({ email: USERS.eastSeller.email, roles: ['seller'], csrfToken: null });
      // With the user's permissions: a seller's token is no admin.
      expect((await bearer('GET', '/api/admin/users')).statusCode).toBe(403);
      // A token cannot mint another token: that needs a signed-in session.
      world.clock.advance(1000);
      const minted = await bearer('POST', '/api/tokens', { name: 'second' });
      expect(minted.statusCode).toBe(403);
      expect(minted.json().code).toBe('session_required');
      expect((await world.as('eastSeller', 'POST', '/api/tokens', { name: 'second' })).statusCode).toBe(201);

      const list = await world.as('eastSeller', 'GET', '/api/tokens');
      expect(list.statusCode).toBe(200);
      expect(list.body).not.toContain(token);
      expect(list.json().items.map((t: { name: string }) => t.name)).toEqual(['second', 'CRM sync']);
      expect(list.json().items[1].lastUsedAt).toBe(world.clock.now() - 1000);

      // Another user cannot see or revoke it.
      expect((await world.as('eastSeller2', 'GET', '/api/tokens')).json().items).toEqual([]);
      expect((await world.as('eastAdmin', 'DELETE', `/api/tokens/${id}`)).statusCode).toBe(404);

      expect((await world.as('eastSeller', 'DELETE', `/api/tokens/${id}`)).statusCode).toBe(204);
      const revoked = await bearer('GET', '/api/me');
      expect(revoked.statusCode).toBe(401);
      expect(revoked.json().code).toBe('unauthenticated');
      const after = await world.as('eastSeller', 'GET', '/api/tokens');
      expect(after.json().items[1].revokedAt).toBe(world.clock.now());

      // A token of a deactivated user stops working too.
      const other = (await world.as('westSeller', 'POST', '/api/tokens', { name: 'x' })).json()
        .token as string;
      await world.store.db
        .updateTable('users')
        .set({ active: 0 })
        .where('id', '=', USERS.westSeller.id)
        .execute();
      const dead = await world.app.inject({
        method: 'GET',
        url: '/api/me',
        headers: { authorization: `Bearer ${other}` },
      });
      expect(dead.statusCode).toBe(401);
      expect(
        (await world.app.inject({ method: 'GET', url: '/api/me', headers: { authorization: 'Bearer nope' } }))
          .statusCode,
      ).toBe(401);
    } finally {
      await world.close();
    }
  });

  it('reads and changes the profile, validating time zone, working hours and preferences', async () => {
    const world = await createWorld(dialect);
    try {
      const initial = await world.as('eastSeller', 'GET', '/api/me/profile');
      expect(initial.json()).toEqual({
        userId: USERS.eastSeller.id,
        email: USERS.eastSeller.email,
        name: 'east.seller',
        locale: 'en',
        timeZone: 'Europe/Warsaw',
        // What the app shows times in while the seller's own zone is null.
        orgTimeZone: 'Europe/Warsaw',
        workingHours: { days: [1, 2, 3, 4, 5], from: '09:00', to: '17:00', daysOff: [] },
        workingHoursSource: 'own',
        preferences: { afterCompleteStep: 'next_item' },
      });

      const changed = await world.as('eastSeller', 'PATCH', '/api/me/profile', {
        name: 'Ewa Nowak',
        locale: 'pl',
        timeZone: 'America/New_York',
        workingHours: { days: [5, 1, 2], from: '08:30', to: '16:00', daysOff: ['2026-12-24'] },
        preferences: { afterCompleteStep: 'ask' },
      });
      expect(changed.statusCode).toBe(200);
      expect(changed.json()).toMatchObject({
        name: 'Ewa Nowak',
        locale: 'pl',
        timeZone: 'America/New_York',
        workingHours: { days: [1, 2, 5], from: '08:30', to: '16:00', daysOff: ['2026-12-24'] },
        preferences: { afterCompleteStep: 'ask' },
      });
      expect((await world.as('eastSeller', 'GET', '/api/me/profile')).json()).toEqual(changed.json());
      expect((await world.as('eastSeller', 'GET', '/api/me')).json().locale).toBe('pl');

      const audit = await world.store.db
        .selectFrom('audit_log')
        .selectAll()
        .where('action', '=', 'user.profile_updated')
        .execute();
      expect(audit).toHaveLength(1);
      expect(JSON.parse(audit[0]!.before_json!)).toMatchObject({ name: 'east.seller', locale: 'en' });

      const bad: [unknown, string][] = [
        [{ timeZone: 'Mars/Olympus' }, 'body.timeZone'],
        [{ locale: 'de' }, 'body.locale'],
        [{ name: 'x'.repeat(201) }, 'body.name'],
        [{ name: 42 }, 'body.name'],
        [{ workingHours: { days: [0, 8], from: '9:00', to: '17:00' } }, 'body.workingHours.days.0'],
        [{ workingHours: { days: [1], from: '09:00', to: '25:00', daysOff: [] } }, 'body.workingHours.to'],
        [{ workingHours: { days: [1], from: '10:00', to: '09:00', daysOff: [] } }, 'body.workingHours.to'],
        [
          { workingHours: { days: [1], from: '09:00', to: '17:00', daysOff: ['24.12.2026'] } },
          'body.workingHours.daysOff.0',
        ],
        [{ preferences: { afterCompleteStep: 'jump' } }, 'body.preferences.afterCompleteStep'],
        [{ favouriteColour: 'blue' }, 'body'],
      ];
      for (const [body, path] of bad) {
        const response = await world.as('eastSeller', 'PATCH', '/api/me/profile', body);
        expect([JSON.stringify(body), response.statusCode]).toEqual([JSON.stringify(body), 400]);
        expect(paths(response.json())).toContain(path);
      }
      // Nothing was written by the refused requests.
      expect((await world.as('eastSeller', 'GET', '/api/me/profile')).json()).toEqual(changed.json());
      expect(
        await world.store.db
          .selectFrom('audit_log')
          .select('id')
          .where('action', '=', 'user.profile_updated')
          .execute(),
      ).toHaveLength(1);

      const badTokens: [unknown, string][] = [
        [{}, 'body.name'],
        [{ name: '' }, 'body.name'],
        [{ name: 'x'.repeat(101) }, 'body.name'],
        [{ name: 'ok', scope: 'all' }, 'body'],
      ];
      for (const [body, path] of badTokens) {
        const response = await world.as('eastSeller', 'POST', '/api/tokens', body);
        expect(response.statusCode).toBe(400);
        expect(paths(response.json())).toContain(path);
      }
      expect(await world.store.db.selectFrom('api_tokens').select('id').execute()).toHaveLength(0);
    } finally {
      await world.close();
    }
  });
});
