import { DateTime } from 'luxon';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config.ts';
import { startEngineWorker } from '../../src/engine/worker.ts';
import { connectNew, definition, SELLER } from '../engine/engine-fixtures.ts';
import { dialects } from '../support/databases.ts';
import { BU, createWorld, ORG_ID, signInRequest, type World } from '../support/world.ts';

/** Issue 13: users without their own working hours follow the organisation's, and can return to them. */
describe.each(dialects)('working hours inherit the organisation’s on %s', (dialect) => {
  let world: World;
  beforeEach(async () => {
    world = await createWorld(dialect);
  });
  afterEach(async () => {
    await world.close();
  });

  const orgHours = { days: [1, 2, 3, 4], from: '08:00', to: '15:00', daysOff: [] };

  it('a new user follows the organisation’s hours (also after they change), may set their own and go back', async () => {
    const created = await world.as('eastAdmin', 'POST', '/api/admin/users', {
      email: 'new.seller@example.com',
      name: 'New Seller',
      roles: ['seller'],
      businessUnitId: BU.east,
      password: 'initial-password-1',
    });
    expect(created.statusCode, created.body).toBe(201);
    await world.as('eastAdmin', 'PATCH', '/api/admin/settings', { workingHours: orgHours });
    const login = await signInRequest(world.app, {
      email: 'new.seller@example.com',
      password: 'initial-password-1',
    });
    const cookie = login.cookies.find((c) => c.name === 'sw_session')!.value;
    const csrf = login.json().csrfToken as string;
    const call = (method: 'GET' | 'PATCH', payload?: Record<string, unknown>) =>
      world.app.inject({
        method,
        url: '/api/me/profile',
        cookies: { sw_session: cookie },
        headers: { 'x-csrf-token': csrf },
        payload,
      });
    expect((await call('GET')).json()).toMatchObject({
      workingHours: orgHours,
      workingHoursSource: 'organisation',
    });
    const own = { days: [1, 2, 3, 4, 5], from: '10:00', to: '18:00', daysOff: [] };
    expect((await call('PATCH', { workingHours: own })).json()).toMatchObject({
      workingHours: own,
      workingHoursSource: 'own',
    });
    expect((await call('PATCH', { workingHours: null })).json()).toMatchObject({
      workingHours: orgHours,
      workingHoursSource: 'organisation',
    });
  });

  it('the engine counts a working-day wait in the organisation’s hours for a seller without their own', async () => {
    await world.as('eastAdmin', 'PATCH', '/api/admin/settings', { workingHours: orgHours });
    await world.store.db
      .updateTable('users')
      .set({ working_hours_json: '{}' })
      .where('org_id', '=', ORG_ID)
      .where('id', '=', SELLER)
      .execute();
    const zone = 'Europe/Warsaw';
    world.clock.set(DateTime.fromISO('2026-06-11T10:00', { zone }).toMillis()); // Thursday
    const def = definition({
      start: 'w',
      nodes: [
        { id: 'w', kind: 'wait', name: 'Wait', days: 1, hours: 0, next: 't' },
        { id: 't', kind: 'task', name: 'Follow up', next: null },
      ],
      options: { exitOnReply: true, skipNonWorkingDays: true, sendWindow: null },
    });
    const { connectionId } = await connectNew(world.store, def, {}, world.clock.now());
    const engine = startEngineWorker(
      {
        store: world.store,
        clock: world.clock,
        logger: { debug() {}, info() {}, warn() {}, error() {} },
        config: testConfig({ databaseUrl: world.store.url }),
        workerId: 'inherit-engine',
      },
      { loop: false },
    );
    try {
      await engine.drain();
    } finally {
      await engine.stop();
    }
    const wait = await world.store.db
      .selectFrom('step_instances')
      .select('due_at')
      .where('connection_id', '=', connectionId)
      .where('node_id', '=', 'w')
      .executeTakeFirstOrThrow();
    // Friday is not a working day of the organisation (Mon–Thu): the wait ends Monday 10:00.
    expect(DateTime.fromMillis(Number(wait.due_at), { zone }).toFormat('ccc HH:mm')).toBe('Mon 10:00');
  });
});
