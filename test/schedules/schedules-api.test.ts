import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.ts';
import { createWorld, ORG_ID, type World } from '../support/world.ts';

const office = {
  name: 'Office hours',
  zoneMode: { kind: 'recipient' },
  intervals: [
    { day: 1, from: '09:00', to: '12:00' },
    { day: 1, from: '13:00', to: '17:00' },
  ],
  holidays: { dates: ['2026-12-24'], country: 'PL', region: null },
};

describe.each(dialects)('schedules API on %s', (dialect) => {
  let world: World;
  beforeEach(async () => {
    world = await createWorld(dialect);
    world.clock.set(Date.UTC(2026, 10, 29, 12));
  });
  afterEach(async () => {
    await world.close();
  });

  it('admins create, read, replace and delete schedules; everyone may read them', async () => {
    const created = await world.as('eastAdmin', 'POST', '/api/schedules', office);
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id;
    expect(created.json()).toMatchObject({ ...office, isDefault: false });
    const listed = await world.as('eastSeller', 'GET', '/api/schedules');
    expect(listed.json().items.map((s: { name: string }) => s.name)).toEqual(['Office hours']);
    const replaced = await world.as('eastAdmin', 'PUT', `/api/schedules/${id}`, {
      ...office,
      isDefault: true,
      zoneMode: { kind: 'fixed', zone: 'Asia/Kolkata' },
    });
    expect(replaced.json()).toMatchObject({
      isDefault: true,
      zoneMode: { kind: 'fixed', zone: 'Asia/Kolkata' },
    });
    expect((await world.as('eastAdmin', 'DELETE', `/api/schedules/${id}`)).statusCode).toBe(204);
    expect((await world.as('eastAdmin', 'GET', `/api/schedules/${id}`)).json().code).toBe('not_found');
  });

  it('lists the closed dates of the next 12 months: organisation dates and the country’s public holidays', async () => {
    const id = (await world.as('eastAdmin', 'POST', '/api/schedules', office)).json().id;
    const response = await world.as('eastSeller', 'GET', `/api/schedules/${id}/holidays`);
    expect(response.statusCode).toBe(200);
    const items: { date: string; name: string; source: string }[] = response.json().items;
    expect(response.json()).toMatchObject({ from: '2026-11-29', to: '2027-11-29' });
    expect(items.find((h) => h.date === '2026-12-24')?.source).toBe('organisation');
    expect(items.find((h) => h.date === '2026-12-25')).toMatchObject({ source: 'public' });
    expect(items.find((h) => h.date === '2027-05-03')?.source).toBe('public'); // Constitution Day
    expect(items.every((h) => h.date >= '2026-11-29' && h.date <= '2027-11-29')).toBe(true);
  });

  it.each([
    [{ ...office, intervals: [{ day: 8, from: '09:00', to: '17:00' }] }, 'body.intervals.0.day'],
    [{ ...office, intervals: [{ day: 1, from: '17:00', to: '09:00' }] }, 'body.intervals.0.to'],
    [{ ...office, intervals: [{ day: 1, from: '9:00', to: '17:00' }] }, 'body.intervals.0.from'],
    [{ ...office, zoneMode: { kind: 'fixed', zone: 'Mars/Olympus' } }, 'body.zoneMode.zone'],
    [{ ...office, zoneMode: { kind: 'lunar' } }, 'body.zoneMode.kind'],
    [
      { ...office, holidays: { dates: ['24.12.2026'], country: null, region: null } },
      'body.holidays.dates.0',
    ],
  ])('refuses an invalid schedule with the field path (%#)', async (body, path) => {
    const response = await world.as('eastAdmin', 'POST', '/api/schedules', body);
    expect(response.statusCode).toBe(400);
    expect(response.json().problems.map((p: { path: string[] }) => p.path.join('.'))).toContain(path);
  });

  it('refuses unknown holiday countries, duplicate names, sellers, and deleting a schedule in use', async () => {
    const unknown = await world.as('eastAdmin', 'POST', '/api/schedules', {
      ...office,
      holidays: { dates: [], country: 'XX', region: null },
    });
    expect([unknown.statusCode, unknown.json().code]).toEqual([422, 'unknown_holiday_country']);
    const first = await world.as('eastAdmin', 'POST', '/api/schedules', office);
    const again = await world.as('eastAdmin', 'POST', '/api/schedules', office);
    expect([again.statusCode, again.json().code]).toEqual([409, 'schedule_name_taken']);
    const seller = await world.as('eastSeller', 'POST', '/api/schedules', { ...office, name: 'Mine' });
    expect(seller.statusCode).toBe(403);
    const id = first.json().id;
    await world.store.db
      .insertInto('sequences')
      .values({
        org_id: ORG_ID,
        id: 'q-uses',
        name: 'Uses it',
        description: '',
        record_type: 'lead',
        owner_id: 'u-east-admin',
        business_unit_id: 'bu-east',
        status: 'inactive',
        draft_json: JSON.stringify({ start: null, nodes: [], options: { scheduleId: id } }),
        active_version_id: null,
        is_template: 0,
        created_at: 0,
        updated_at: 0,
      })
      .execute();
    const refused = await world.as('eastAdmin', 'DELETE', `/api/schedules/${id}`);
    expect([refused.statusCode, refused.json().code]).toEqual([409, 'schedule_in_use']);
    expect(refused.json().detail).toContain('Uses it');
  });
});
