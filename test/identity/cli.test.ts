import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.ts';
import { verifyPassword } from '../../src/api/auth/passwords.ts';
import { createOrg } from '../../src/cli/commands/org-command.ts';
import { addUser, allUsers } from '../../src/cli/commands/user-command.ts';
import { testConfig } from '../../src/config.ts';
import { FakeClock } from '../../src/engine/clock.ts';
import { openStore } from '../../src/store/db.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { dialects, freshStore } from '../support/databases.ts';
import { signInRequest } from '../support/world.ts';

const run = promisify(execFile);

describe.each(dialects)('stepwise org create / user add / user list on %s', (dialect) => {
  it('creates an org with a root unit, adds users who can sign in, and lists them', async () => {
    const store = await freshStore(dialect);
    const clock = new FakeClock();
    try {
      const org = await createOrg(store, { name: 'Acme', timeZone: 'Europe/Warsaw' }, clock.now());
      const units = await store.db.selectFrom('business_units').selectAll().execute();
      expect(units).toEqual([
        expect.objectContaining({ id: org.businessUnitId, name: 'Acme', parent_id: null }),
      ]);

      const admin = await addUser(
        store,
        { email: 'Boss@Acme.test', name: 'Boss', roles: ['admin', 'seller'], businessUnit: 'acme' },
        clock.now(),
      );
      expect(admin.user).toMatchObject({ email: 'boss@acme.test', roles: ['admin', 'seller'] });
      expect(admin.generatedPassword).toMatch(/^[A-Za-z0-9_-]{16}$/);
      const stored = await store.db.selectFrom('users').select('password_hash').executeTakeFirstOrThrow();
      expect(stored.password_hash).not.toContain(admin.generatedPassword!);
      expect(await verifyPassword(stored.password_hash, admin.generatedPassword!)).toBe(true);

      const seller = await addUser(
        store,
        {
          email: 'ann@acme.test',
          name: 'Ann',
          roles: ['seller'],
          businessUnit: org.businessUnitId,
          password: 'chosen-password',
        },
        clock.now(),
      );
      expect(seller.generatedPassword).toBeNull();

      await expect(
        addUser(store, { email: 'ann@acme.test', name: 'Ann', roles: ['seller'], businessUnit: 'Acme' }, 0),
      ).rejects.toThrow(/exists already/);
      await expect(
        addUser(store, { email: 'x@acme.test', name: 'X', roles: ['boss'], businessUnit: 'Acme' }, 0),
      ).rejects.toThrow(/--role/);
      await expect(
        addUser(store, { email: 'x@acme.test', name: 'X', roles: ['seller'], businessUnit: 'Nowhere' }, 0),
      ).rejects.toThrow(/No business unit "Nowhere"/);
      await expect(
        addUser(
          store,
          { email: 'x@acme.test', name: 'X', roles: ['seller'], businessUnit: 'Acme', password: 'short' },
          0,
        ),
      ).rejects.toThrow(/--password/);

      expect((await allUsers(store)).map((u) => u.email)).toEqual(['ann@acme.test', 'boss@acme.test']);

      // The user made by the CLI signs in through the API.
      const app = await buildApp({ store, config: testConfig({ databaseUrl: store.url }), clock });
      try {
        const login = await signInRequest(app, {
          email: 'boss@acme.test',
          password: admin.generatedPassword,
        });
        expect(login.statusCode).toBe(200);
        expect(login.json()).toMatchObject({ roles: ['admin', 'seller'], orgId: org.orgId });
      } finally {
        await app.close();
      }

      await createOrg(store, { name: 'Second' }, clock.now());
      await expect(allUsers(store)).rejects.toThrow(/choose one with --org/);
      expect(await allUsers(store, 'Second')).toEqual([]);
    } finally {
      await store.close();
    }
  });
});

describe('the stepwise binary', () => {
  // Spawning tsx is slow on a busy machine, hence the longer time limit.
  it('runs user add and user list as commands (one spawn each: the commands are registered)', {
    timeout: 120_000,
  }, async () => {
    const file = `/tmp/stepwise-cli-${randomUUID()}.db`;
    const env = {
      ...process.env,
      DATABASE_URL: `sqlite:${file}`,
      STEPWISE_SECRET_KEY: 'cli-test-secret-key-0123456789abcdef',
      LOG_LEVEL: 'silent',
    };
    const stepwise = (...args: string[]) =>
      run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { env, cwd: process.cwd() });
    try {
      const setup = openStore(`sqlite:${file}`);
      await migrateToLatest(setup.db);
      await createOrg(setup, { name: 'Acme' }, Date.now());
      await setup.close();
      const added = await stepwise(
        'user',
        'add',
        '--email',
        'ops@acme.test',
        '--name',
        'Ops',
        '--role',
        'seller',
        '--role',
        'admin',
        '--business-unit',
        'Acme',
      );
      expect(added.stdout).toMatch(/Created ops@acme\.test .* with roles admin, seller/);
      expect(added.stdout).toMatch(/Password \(shown once\): \S{16}/);
      const listed = await stepwise('user', 'list');
      expect(listed.stdout).toMatch(/ops@acme\.test\s+Ops\s+admin,seller\s+Acme\s+active/);
    } finally {
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
    }
  });
});
