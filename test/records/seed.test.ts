import argon2 from 'argon2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.ts';
import { generateDemoRecords } from '../../src/cli/seed/demo-data.ts';
import { formatCredentials, seedDemo } from '../../src/cli/seed/seed-demo.ts';
import { testConfig } from '../../src/config.ts';
import { isValidTimeZone } from '../../src/domain/identity.ts';
import { FakeClock } from '../../src/engine/clock.ts';
import type { Store } from '../../src/store/db.ts';
import { dialects, freshStore } from '../support/databases.ts';
import { signInRequest } from '../support/world.ts';

const cheapHash = (password: string) =>
  argon2.hash(password, { timeCost: 2, memoryCost: 1024, parallelism: 1 });

describe('demo data generator', () => {
  it('is deterministic and realistic', () => {
    const owners = [
      { id: 'a', businessUnitId: 'x' },
      { id: 'b', businessUnitId: 'y' },
    ];
    const first = generateDemoRecords(owners);
    expect(generateDemoRecords(owners)).toEqual(first);
    expect(first).toHaveLength(500);
    expect(first.every((record) => record.timeZone && isValidTimeZone(record.timeZone))).toBe(true);
    expect(
      first.filter((r) => r.type === 'lead').every((r) => /^[a-z0-9.]+@[a-z0-9.]+$/.test(r.email ?? '')),
    ).toBe(true);
    expect(new Set(first.map((r) => r.name)).size).toBeGreaterThan(300);
  });
});

describe.each(dialects)('stepwise seed on %s', (dialect) => {
  let store: Store;
  const clock = new FakeClock();
  beforeAll(async () => {
    store = await freshStore(dialect);
  });
  afterAll(() => store.close());

  it('loads Northwind Demo once, and the demo sign-ins work', async () => {
    const result = await seedDemo({ store, clock }, { hash: cheapHash });
    if (!result.seeded) throw new Error(result.reason);
    expect(result.counts).toMatchObject({ businessUnits: 3, users: 9, records: 500, fields: 9 });
    expect(result.counts.templates).toBeGreaterThan(0);
    // Two running sequences from the built-in templates, with records connected (issue 15 item 22).
    const running = await store.db
      .selectFrom('sequences')
      .select(['name', 'status'])
      .orderBy('name')
      .execute();
    expect(running).toEqual([
      { name: 'Meeting for product demo requests', status: 'active' },
      { name: 'Upcoming account renewal', status: 'active' },
    ]);
    const live = await store.db
      .selectFrom('connections')
      .select(({ fn }) => fn.countAll<number>().as('n'))
      .where('status', '=', 'active')
      .executeTakeFirstOrThrow();
    expect(Number(live.n)).toBe(result.counts.connections);
    expect(result.counts.connections).toBeGreaterThan(20);
    expect(formatCredentials(result)).toContain('demo-seller-east-1!');

    const count = async (table: 'records' | 'users' | 'business_units' | 'email_templates' | 'orgs') =>
      Number(
        (
          await store.db
            .selectFrom(table)
            .select(({ fn }) => fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const byType = await store.db
      .selectFrom('records')
      .select(['type', ({ fn }) => fn.countAll<number>().as('n')])
      .groupBy('type')
      .orderBy('type')
      .execute();
    expect(byType.map((row) => [row.type, Number(row.n)])).toEqual([
      ['account', 75],
      ['contact', 150],
      ['lead', 200],
      ['opportunity', 75],
    ]);
    const roles = await store.db.selectFrom('role_assignments').select('role').execute();
    expect(new Set(roles.map((row) => row.role))).toEqual(
      new Set(['seller', 'sequence_manager', 'sales_manager', 'admin']),
    );
    const units = await store.db
      .selectFrom('business_units')
      .select(['name', 'parent_id'])
      .orderBy('name')
      .execute();
    expect(units.map((u) => [u.name, u.parent_id !== null])).toEqual([
      ['East', false],
      ['East Enterprise', true],
      ['West', false],
    ]);
    const org = await store.db.selectFrom('orgs').selectAll().executeTakeFirstOrThrow();
    expect(org.name).toBe('Northwind Demo');
    expect(JSON.parse(org.settings_json)).toMatchObject({ timeZone: 'America/New_York' });

    const before = await Promise.all([
      count('orgs'),
      count('users'),
      count('records'),
      count('email_templates'),
    ]);
    const again = await seedDemo({ store, clock }, { hash: cheapHash });
    expect(again.seeded).toBe(false);
    expect(
      await Promise.all([count('orgs'), count('users'), count('records'), count('email_templates')]),
    ).toEqual(before);

    // A seller signs in with the printed password and sees only their own records in the grid.
    const app = await buildApp({ store, config: testConfig({ databaseUrl: store.url }), clock });
    try {
      const seller = result.credentials.find((c) => c.password === 'demo-seller-east-1!')!;
      const login = await signInRequest(app, { email: seller.email, password: seller.password });
      expect(login.statusCode, login.body).toBe(200);
      const cookie = login.cookies.find((c) => c.name === 'sw_session')!.value;
      const grid = await app.inject({
        method: 'GET',
        url: '/api/records?type=lead&limit=500',
        headers: { cookie: `sw_session=${cookie}` },
      });
      expect(grid.statusCode).toBe(200);
      const items = grid.json().items as { ownerName: string }[];
      expect(items.length).toBeGreaterThan(10);
      expect(items.every((item) => item.ownerName === seller.name)).toBe(true);
    } finally {
      await app.close();
    }
  });
});
