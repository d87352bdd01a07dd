import { describe, expect, it } from 'vitest';
import { dialects } from './support/databases.ts';
import { createWorld, signInRequest } from './support/world.ts';

describe.each(dialects)('sign-in basics on %s', (dialect) => {
  it('signs in, rejects cookie writes without CSRF, and reports bad input with field paths', async () => {
    const world = await createWorld(dialect);
    try {
      const me = await world.as('eastSeller', 'GET', '/api/me');
      expect(me.statusCode).toBe(200);
      expect(me.json()).toMatchObject({ email: 'east.seller@example.com', roles: ['seller'] });

      const session = await world.session('eastSeller');
      const noCsrf = await world.app.inject({
        method: 'POST',
        url: '/api/auth/logout',
        headers: { cookie: session.cookie },
      });
      expect(noCsrf.statusCode).toBe(403);
      expect(noCsrf.json().code).toBe('csrf_failed');

      const bad = await signInRequest(world.app, { email: 5, extra: 1 });
      expect(bad.statusCode).toBe(400);
      expect(bad.headers['content-type']).toContain('application/problem+json');
      const paths = bad.json().problems.map((p: { path: string[] }) => p.path.join('.'));
      expect(paths).toEqual(expect.arrayContaining(['body.email', 'body.password']));

      const wrong = await signInRequest(world.app, { email: 'east.seller@example.com', password: 'nope' });
      expect(wrong.statusCode).toBe(401);
    } finally {
      await world.close();
    }
  });
});
