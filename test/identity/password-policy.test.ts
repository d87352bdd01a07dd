import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.ts';
import { createOrg } from '../../src/cli/commands/org-command.ts';
import { addUser } from '../../src/cli/commands/user-command.ts';
import { DEMO_USERS } from '../../src/cli/seed/demo-data.ts';
import { testConfig } from '../../src/config.ts';
import { NewPasswordSchema } from '../../src/domain/identity.ts';
import { MINUTE } from '../../src/engine/clock.ts';
import { openStore } from '../../src/store/db.ts';
import { dialects, freshStore } from '../support/databases.ts';
import { BU, createWorld, PASSWORD, signInRequest, USERS, type World } from '../support/world.ts';

const fieldProblem = (body: { problems?: { path: (string | number)[]; code: string; message: string }[] }) =>
  (body.problems ?? []).map((p) => ({ path: p.path.join('.'), code: p.code, message: p.message }));

/** A second API process on the same database (its own connection pool and memory). */
async function secondProcess(world: World) {
  const store = openStore(world.store.url);
  const app = await buildApp({ store, config: testConfig({ databaseUrl: store.url }), clock: world.clock });
  await app.ready();
  return {
    app,
    async close() {
      await app.close();
      await store.close();
    },
  };
}

describe.each(dialects)('password policy and guessing limit on %s', (dialect) => {
  it('limits current-password guesses per user across processes, until the window ends', async () => {
    const world = await createWorld(dialect, { file: true });
    const other = await secondProcess(world);
    try {
      const seller = await world.session('eastSeller');
      const change = (app: typeof world.app, currentPassword: string) =>
        app.inject({
          method: 'POST',
          url: '/api/me/password',
          headers: { cookie: seller.cookie, 'x-csrf-token': seller.csrf },
          payload: { currentPassword, newPassword: 'granite-willow-parade-4' },
        });
      // Five wrong guesses, spread over both processes.
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        statuses.push((await change(i % 2 === 0 ? world.app : other.app, `guess-${i}`)).statusCode);
      }
      expect(statuses).toEqual([403, 403, 403, 403, 403]);
      // The sixth is refused whichever process gets it, even with the right password.
      for (const app of [world.app, other.app]) {
        const limited = await change(app, PASSWORD);
        expect(limited.statusCode).toBe(429);
        expect(limited.json()).toMatchObject({ code: 'too_many_password_attempts' });
        expect(Number(limited.headers['retry-after'])).toBe(15 * 60);
      }
      // Another user is not affected.
      const colleague = await world.as('eastSeller2', 'POST', '/api/me/password', {
        currentPassword: PASSWORD,
        newPassword: 'granite-willow-parade-4',
      });
      expect(colleague.statusCode).toBe(204);

      // When the window has passed, the right password works and the count starts over.
      world.clock.advance(15 * MINUTE);
      expect((await change(other.app, PASSWORD)).statusCode).toBe(204);
      const rows = await world.store.db.selectFrom('password_attempts').selectAll().execute();
      expect(rows).toEqual([]);
    } finally {
      await other.close();
      await world.close();
    }
  });

  it('refuses short and common passwords wherever a password is set, with a field-level message', async () => {
    const world = await createWorld(dialect);
    try {
      const own = (newPassword: string) =>
        world.as('eastSeller', 'POST', '/api/me/password', { currentPassword: PASSWORD, newPassword });
      const short = await own('eleven-char');
      expect(short.statusCode).toBe(400);
      expect(fieldProblem(short.json())).toEqual([
        { path: 'body.newPassword', code: 'too_small', message: 'Use at least 12 characters' },
      ]);
      for (const common of ['password1234', 'Password1234!', 'qwertyuiop12', 'aaaaaaaaaaaa']) {
        const weak = await own(common);
        expect([common, weak.statusCode]).toEqual([common, 400]);
        expect(fieldProblem(weak.json())).toEqual([
          {
            path: 'body.newPassword',
            code: 'weak_password',
            message: expect.stringMatching(/stronger password/),
          },
        ]);
      }

      // Nor may it lean on the person's own email or name.
      const personal = await own(USERS.eastSeller.email);
      expect(fieldProblem(personal.json())).toEqual([
        {
          path: 'body.newPassword',
          code: 'weak_password',
          message: expect.stringMatching(/your name or email/),
        },
      ]);

      const newUser = (password: string) =>
        world.as('eastAdmin', 'POST', '/api/admin/users', {
          email: 'new.one@example.com',
          name: 'Ola Nowak',
          roles: ['seller'],
          businessUnitId: BU.west,
          password,
        });
      const weakCreate = await newUser('iloveyou2020!');
      expect(weakCreate.statusCode).toBe(400);
      expect(fieldProblem(weakCreate.json())[0]).toMatchObject({
        path: 'body.password',
        code: 'weak_password',
      });
      const named = await newUser('Ola Nowak 1990');
      expect(fieldProblem(named.json())[0]).toMatchObject({ path: 'body.password', code: 'weak_password' });
      const weakReset = await world.as('eastAdmin', 'PATCH', `/api/admin/users/${USERS.westSeller.id}`, {
        password: 'password1234',
      });
      expect(weakReset.statusCode).toBe(400);
      expect(fieldProblem(weakReset.json())[0]).toMatchObject({
        path: 'body.password',
        code: 'weak_password',
      });
      // Nothing was written by the refused requests: the old password still signs in.
      expect(
        await world.store.db
          .selectFrom('users')
          .select('id')
          .where('email', '=', 'new.one@example.com')
          .execute(),
      ).toEqual([]);
      for (const who of ['eastSeller', 'westSeller'] as const) {
        const login = await signInRequest(world.app, { email: USERS[who].email, password: PASSWORD });
        expect([who, login.statusCode]).toEqual([who, 200]);
      }
      expect((await newUser('pebble-saffron-journey-8')).statusCode).toBe(201);
      expect((await own('pebble-saffron-journey-8')).statusCode).toBe(204);
    } finally {
      await world.close();
    }
  });

  it('refuses a common password in `stepwise user add`', async () => {
    const store = await freshStore(dialect);
    try {
      await createOrg(store, { name: 'Acme' }, 0);
      const input = { email: 'x@acme.test', name: 'X', roles: ['seller'], businessUnit: 'Acme' };
      await expect(addUser(store, { ...input, password: 'password1234' }, 0)).rejects.toThrow(
        /--password: Choose a stronger password/,
      );
      await expect(
        addUser(store, { ...input, email: 'ola.nowak@acme.test', password: 'ola.nowak@acme.test' }, 0),
      ).rejects.toThrow(/--password: Choose a stronger password: It contains your name or email/);
      await expect(addUser(store, { ...input, password: 'eleven-char' }, 0)).rejects.toThrow(
        /--password: Use at least 12 characters/,
      );
      expect(await store.db.selectFrom('users').select('id').execute()).toEqual([]);
      const made = await addUser(store, input, 0);
      expect(made.generatedPassword && NewPasswordSchema.safeParse(made.generatedPassword).success).toBe(
        true,
      );
    } finally {
      await store.close();
    }
  });
});

describe('demo sign-ins', () => {
  it('meet the password policy (they are printed in README.md and docs/cli.md)', () => {
    for (const user of DEMO_USERS) {
      expect([user.email, NewPasswordSchema.safeParse(user.password).success]).toEqual([user.email, true]);
    }
  });
});
