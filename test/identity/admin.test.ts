import { describe, expect, it } from 'vitest';
import { DEFAULT_STAGES } from '../../src/domain/stages.ts';
import { dialects } from '../support/databases.ts';
import { BU, createWorld, signInRequest, USERS, type World } from '../support/world.ts';

const paths = (body: { problems?: { path: (string | number)[] }[] }) =>
  (body.problems ?? []).map((p) => p.path.join('.'));

async function auditCount(world: World): Promise<number> {
  return (await world.store.db.selectFrom('audit_log').select('id').execute()).length;
}

describe.each(dialects)('admin API on %s', (dialect) => {
  it('creates, pages through and updates users, keeping one admin', async () => {
    const world = await createWorld(dialect);
    try {
      const created = await world.as('eastAdmin', 'POST', '/api/admin/users', {
        email: ' New.Seller@Example.com ',
        name: 'New Seller',
        roles: ['seller', 'sales_manager', 'seller'],
        businessUnitId: BU.west,
        password: 'initial-password-1',
      });
      expect(created.statusCode).toBe(201);
      const user = created.json();
      expect(user).toMatchObject({
        email: 'new.seller@example.com',
        roles: ['sales_manager', 'seller'],
        businessUnitId: BU.west,
        active: true,
        locale: 'en',
      });
      const login = await signInRequest(world.app, {
        email: 'new.seller@example.com',
        password: 'initial-password-1',
      });
      expect(login.statusCode).toBe(200);

      const duplicate = await world.as('eastAdmin', 'POST', '/api/admin/users', {
        email: USERS.westSeller.email,
        name: 'Twin',
        roles: ['seller'],
        businessUnitId: BU.west,
        password: 'initial-password-1',
      });
      expect(duplicate.statusCode).toBe(409);
      expect(duplicate.json().code).toBe('email_taken');

      // Nine users, pages of four, ordered by email.
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await world.as(
          'eastAdmin',
          'GET',
          `/api/admin/users?limit=4${cursor ? `&cursor=${cursor}` : ''}`,
        );
        expect(page.statusCode).toBe(200);
        const body = page.json() as { items: { email: string }[]; nextCursor: string | null };
        seen.push(...body.items.map((u) => u.email));
        cursor = body.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toHaveLength(9);
      expect(seen).toEqual([...seen].sort());
      const west = await world.as('eastAdmin', 'GET', `/api/admin/users?businessUnitId=${BU.west}`);
      expect(west.json().items.map((u: { email: string }) => u.email)).toEqual([
        'new.seller@example.com',
        USERS.westSeller.email,
        USERS.westSeqManager.email,
      ]);
      expect((await world.as('eastAdmin', 'GET', '/api/admin/users?cursor=garbage')).json().code).toBe(
        'invalid_cursor',
      );

      world.clock.advance(1000);
      const moved = await world.as('eastAdmin', 'PATCH', `/api/admin/users/${user.id}`, {
        roles: ['seller'],
        businessUnitId: BU.east,
      });
      expect(moved.statusCode).toBe(200);
      expect(moved.json()).toMatchObject({ roles: ['seller'], businessUnitId: BU.east });

      // Deactivating ends the user's sessions at once.
      const s = await world.session('westSeller');
      world.clock.advance(1000);
      const off = await world.as('eastAdmin', 'PATCH', `/api/admin/users/${USERS.westSeller.id}`, {
        active: false,
      });
      expect(off.json().active).toBe(false);
      expect(
        (await world.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: s.cookie } })).statusCode,
      ).toBe(401);

      const lastAdmin = await world.as('eastAdmin', 'PATCH', `/api/admin/users/${USERS.eastAdmin.id}`, {
        roles: ['seller'],
      });
      expect(lastAdmin.statusCode).toBe(409);
      expect(lastAdmin.json().code).toBe('last_admin');

      const audit = await world.as('eastAdmin', 'GET', '/api/admin/audit?resourceType=user');
      expect(audit.json().items.map((e: { action: string }) => e.action)).toEqual([
        'user.updated',
        'user.updated',
        'user.created',
      ]);
      expect(audit.json().items[2]).toMatchObject({
        actorId: USERS.eastAdmin.id,
        resourceId: user.id,
        after: { email: 'new.seller@example.com' },
      });
      expect(audit.body).not.toContain('initial-password-1');
    } finally {
      await world.close();
    }
  });

  it('keeps the business unit tree: create, rename, move (no cycles), delete only when empty', async () => {
    const world = await createWorld(dialect);
    try {
      const post = (body: unknown) => world.as('eastAdmin', 'POST', '/api/admin/business-units', body);
      const north = await post({ name: 'North', parentId: null });
      expect(north.statusCode).toBe(201);
      const northId = north.json().id as string;
      world.clock.advance(1000);
      const team = await post({ name: 'North Team', parentId: northId });
      const teamId = team.json().id as string;
      expect((await post({ name: 'north', parentId: null })).json().code).toBe('business_unit_name_taken');
      expect((await post({ name: 'Lost', parentId: 'nope' })).json().code).toBe('unknown_business_unit');

      world.clock.advance(1000);
      const cycle = await world.as('eastAdmin', 'PATCH', `/api/admin/business-units/${northId}`, {
        parentId: teamId,
      });
      expect(cycle.statusCode).toBe(409);
      expect(cycle.json().code).toBe('business_unit_cycle');
      const moved = await world.as('eastAdmin', 'PATCH', `/api/admin/business-units/${teamId}`, {
        name: 'Nordic',
        parentId: BU.west,
      });
      expect(moved.json()).toMatchObject({ name: 'Nordic', parentId: BU.west });

      const list = await world.as('eastAdmin', 'GET', '/api/admin/business-units');
      expect(list.json().items.map((u: { name: string }) => u.name)).toEqual([
        'East',
        'East Enterprise',
        'Nordic',
        'North',
        'West',
      ]);

      const busy = await world.as('eastAdmin', 'DELETE', `/api/admin/business-units/${BU.east}`);
      expect(busy.statusCode).toBe(409);
      expect(busy.json().code).toBe('business_unit_not_empty');
      expect(busy.json().detail).toMatch(/users/);
      expect(paths(busy.json())).toEqual(expect.arrayContaining(['users', 'childUnits']));
      world.clock.advance(1000);
      expect((await world.as('eastAdmin', 'DELETE', `/api/admin/business-units/${northId}`)).statusCode).toBe(
        204,
      );
      expect((await world.as('eastAdmin', 'DELETE', `/api/admin/business-units/${northId}`)).statusCode).toBe(
        404,
      );

      const audit = await world.as('eastAdmin', 'GET', '/api/admin/audit?resourceType=business_unit&limit=2');
      const first = audit.json();
      expect(first.items.map((e: { action: string }) => e.action)).toEqual([
        'business_unit.deleted',
        'business_unit.updated',
      ]);
      const rest = await world.as(
        'eastAdmin',
        'GET',
        `/api/admin/audit?resourceType=business_unit&cursor=${first.nextCursor}`,
      );
      expect(rest.json().items.map((e: { action: string }) => e.action)).toEqual([
        'business_unit.created',
        'business_unit.created',
      ]);
      expect(rest.json().nextCursor).toBeNull();
    } finally {
      await world.close();
    }
  });

  it('reads settings with defaults and changes them in part; the feature restriction applies at once', async () => {
    const world = await createWorld(dialect);
    try {
      const initial = await world.as('eastAdmin', 'GET', '/api/admin/settings');
      expect(initial.json()).toEqual({
        featureRoles: null,
        timeZone: 'Europe/Warsaw',
        holidays: [],
        workingHours: { days: [1, 2, 3, 4, 5], from: '09:00', to: '17:00', daysOff: [] },
        mailLimits: { dailyLimit: 400, hourlyLimit: 60, perDomainHourlyLimit: 20, minSpacingSeconds: 20 },
        stages: DEFAULT_STAGES,
      });
      const changed = await world.as('eastAdmin', 'PATCH', '/api/admin/settings', {
        featureRoles: ['sequence_manager'],
        holidays: ['2026-12-25', '2026-01-01', '2026-12-25'],
        mailLimits: { hourlyLimit: 30 },
      });
      expect(changed.statusCode).toBe(200);
      expect(changed.json()).toMatchObject({
        featureRoles: ['sequence_manager'],
        timeZone: 'Europe/Warsaw',
        holidays: ['2026-01-01', '2026-12-25'],
        mailLimits: { dailyLimit: 400, hourlyLimit: 30 },
      });
      expect((await world.as('eastAdmin', 'GET', '/api/admin/settings')).json()).toEqual(changed.json());

      const before = await auditCount(world);
      const bad: [unknown, string][] = [
        [{ timeZone: 'Nowhere/Town' }, 'body.timeZone'],
        [{ featureRoles: ['wizard'] }, 'body.featureRoles.0'],
        [{ holidays: ['25/12/2026'] }, 'body.holidays.0'],
        [{ mailLimits: { dailyLimit: 0 } }, 'body.mailLimits.dailyLimit'],
        [{ mailLimits: { hourlyLimit: '30' } }, 'body.mailLimits.hourlyLimit'],
        [{ mailLimits: { burst: 3 } }, 'body.mailLimits'],
        [{ colour: 'red' }, 'body'],
      ];
      for (const [body, path] of bad) {
        const response = await world.as('eastAdmin', 'PATCH', '/api/admin/settings', body);
        expect([JSON.stringify(body), response.statusCode]).toEqual([JSON.stringify(body), 400]);
        expect(paths(response.json())).toContain(path);
      }
      expect(await auditCount(world)).toBe(before);
      expect((await world.as('eastAdmin', 'GET', '/api/admin/settings')).json()).toEqual(changed.json());

      // "Sequences available to: sequence managers" applies at once.
      const refused = await world.as('eastSeller', 'POST', '/api/sequences', { name: 'Mine' });
      expect(refused.statusCode).toBe(403);
      expect(refused.json().problems[0].code).toBe('missing_permission:sequence.create');
      expect(
        (await world.as('eastSeqManager', 'POST', '/api/sequences', { name: 'Theirs' })).statusCode,
      ).toBe(201);
      await world.as('eastAdmin', 'PATCH', '/api/admin/settings', { featureRoles: null });
      expect((await world.as('eastSeller', 'POST', '/api/sequences', { name: 'Mine' })).statusCode).toBe(201);
    } finally {
      await world.close();
    }
  });

  it('refuses bad input on users and units with field paths, writing nothing', async () => {
    const world = await createWorld(dialect);
    try {
      const before = await auditCount(world);
      const valid = {
        email: 'someone@example.com',
        name: 'Someone',
        roles: ['seller'],
        businessUnitId: BU.east,
        password: 'long-enough-1',
      };
      const badUsers: [unknown, string][] = [
        [{ ...valid, email: undefined }, 'body.email'],
        [{ ...valid, email: 'not-an-email' }, 'body.email'],
        [{ ...valid, email: `${'x'.repeat(320)}@example.com` }, 'body.email'],
        [{ ...valid, roles: [] }, 'body.roles'],
        [{ ...valid, roles: ['overlord'] }, 'body.roles.0'],
        [{ ...valid, password: 'short' }, 'body.password'],
        [{ ...valid, name: 7 }, 'body.name'],
        [{ ...valid, timeZone: 'Atlantis/Deep' }, 'body.timeZone'],
        [{ ...valid, isAdmin: true }, 'body'],
        [{ ...valid, businessUnitId: 'bu-nowhere' }, 'body.businessUnitId'],
      ];
      for (const [body, path] of badUsers) {
        const response = await world.as('eastAdmin', 'POST', '/api/admin/users', body);
        expect([JSON.stringify(body), response.statusCode]).toEqual([JSON.stringify(body), 400]);
        expect(paths(response.json())).toContain(path);
      }
      const badPatch: [unknown, string][] = [
        [{ active: 'no' }, 'body.active'],
        [{ roles: 'admin' }, 'body.roles'],
        [{ email: 'new@example.com' }, 'body'],
      ];
      for (const [body, path] of badPatch) {
        const response = await world.as(
          'eastAdmin',
          'PATCH',
          `/api/admin/users/${USERS.eastSeller.id}`,
          body,
        );
        expect(response.statusCode).toBe(400);
        expect(paths(response.json())).toContain(path);
      }
      const badUnits: [unknown, string][] = [
        [{ parentId: null }, 'body.name'],
        [{ name: 'x'.repeat(201), parentId: null }, 'body.name'],
        [{ name: 'Ok' }, 'body.parentId'],
        [{ name: 'Ok', parentId: null, code: 'X' }, 'body'],
      ];
      for (const [body, path] of badUnits) {
        const response = await world.as('eastAdmin', 'POST', '/api/admin/business-units', body);
        expect(response.statusCode).toBe(400);
        expect(paths(response.json())).toContain(path);
      }
      const badQuery = await world.as('eastAdmin', 'GET', '/api/admin/audit?limit=100000');
      expect(badQuery.statusCode).toBe(400);
      expect(paths(badQuery.json())).toContain('querystring.limit');

      expect(await auditCount(world)).toBe(before);
      expect(await world.store.db.selectFrom('users').select('id').execute()).toHaveLength(8);
      expect(await world.store.db.selectFrom('business_units').select('id').execute()).toHaveLength(3);
    } finally {
      await world.close();
    }
  });
});
